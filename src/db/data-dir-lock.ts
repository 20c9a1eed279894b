import { open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";

/** A held lock on the embedded data folder. */
export interface DataDirLock {
  release(): Promise<void>;
}

/** The data folder is held by another running process. */
export class DataDirLockedError extends Error {
  override name = "DataDirLockedError";
}

/**
 * Takes `<dataDir>/patchbay.lock` (holding this pid). A lock left by a process that no longer runs is
 * taken over; one held by a live process fails with a message that says what to do.
 */
export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  const file = join(dataDir, "patchbay.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, "wx", 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return {
        release: async () => {
          await rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number.parseInt(await readFile(file, "utf8").catch(() => ""), 10);
      if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) {
        throw new DataDirLockedError(
          `the embedded database in ${dataDir} is in use by process ${pid}; stop it first, or set DATABASE_URL to share PostgreSQL between processes`,
        );
      }
      await rm(file, { force: true });
    }
  }
  throw new DataDirLockedError(`could not lock ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
