import { randomUUID } from "node:crypto";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isAlive } from "./is-alive.ts";

/**
 * The processes using the embedded server, one file each in `<dataDir>/postgres.leases/` named
 * `<pid>-<uuid>`: the last one to leave stops the server. A lease of a process that died is ignored.
 * Read and written only under the server lock.
 */
export interface ServerLeases {
  /** Takes a lease for this process; resolves to its name. */
  take(): Promise<string>;
  /** Drops a lease; resolves to how many leases of live processes remain. */
  drop(name: string): Promise<number>;
  /** How many leases of live processes there are. */
  live(): Promise<number>;
}

/** The leases under `dataDir`. */
export function serverLeases(dataDir: string): ServerLeases {
  const folder = join(dataDir, "postgres.leases");
  const live = async (): Promise<number> => {
    const names = await readdir(folder).catch(() => [] as string[]);
    let count = 0;
    for (const name of names) {
      const pid = Number.parseInt(name, 10);
      if (Number.isInteger(pid) && isAlive(pid)) count += 1;
      else await rm(join(folder, name), { force: true });
    }
    return count;
  };
  return {
    async take() {
      await mkdir(folder, { recursive: true, mode: 0o700 });
      const name = `${process.pid}-${randomUUID()}`;
      await writeFile(join(folder, name), "", { mode: 0o600 });
      return name;
    },
    async drop(name) {
      await rm(join(folder, name), { force: true });
      return live();
    },
    live,
  };
}
