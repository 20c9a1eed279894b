import { readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { isAlive } from "../../src/db/embedded/is-alive.ts";
import { serverLeases } from "../../src/db/embedded/server-leases.ts";

/**
 * Stops embedded PostgreSQL servers that tests left behind: a server whose cluster lies under the temp
 * folder in a `patchbay-*` data folder that no live process holds a lease on any more (a test process
 * that crashed, or was killed, before it could leave). Servers of test runs still going are left alone.
 * Resolves to how many were stopped.
 */
export async function stopOrphanServers(): Promise<number> {
  const prefix = join(tmpdir(), "patchbay-");
  let stopped = 0;
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    const pid = Number.parseInt(entry, 10);
    if (!Number.isInteger(pid)) continue;
    const args = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).split("\0");
    if (!args[0]?.endsWith("/bin/postgres")) continue;
    const cluster = args[args.indexOf("-D") + 1];
    if (cluster === undefined || !cluster.startsWith(prefix)) continue;
    const dataDir = dirname(cluster);
    if ((await serverLeases(dataDir).live()) > 0) continue;
    // A process that is starting or stopping it holds the lock (and takes its lease before letting go).
    const locker = Number.parseInt(
      await readFile(join(dataDir, "postgres.lock"), "utf8").catch(() => ""),
      10,
    );
    if (Number.isInteger(locker) && isAlive(locker)) continue;
    try {
      process.kill(pid, "SIGINT"); // PostgreSQL's fast shutdown
      stopped += 1;
    } catch {
      // gone meanwhile
    }
  }
  return stopped;
}
