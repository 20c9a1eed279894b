import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BenchServer, launchBenchServer } from "./bench-server.ts";

/** What a second replica shares with the first: its database, master key and admin key. */
export interface AttachSettings {
  readonly databaseUrl: string;
  /** The first replica's `PATCHBAY_MASTER_KEY` (pass it to `startBenchServer` in `env`). */
  readonly masterKey: string;
  /** The first replica's admin key (`BenchServer.key`). */
  readonly key: string;
}

/**
 * Starts another `src/main.ts` on an existing bench database, as a second replica of the server
 * `startBenchServer` started on it: the same database, master key and admin key, and the same settings
 * (limits and shedding off, production logging to a file, BENCH_SERVER_NODE_ARGS honoured). Its
 * `dropDatabase` only removes its log file: the database belongs to the first replica.
 */
export function attachBenchServer(
  settings: AttachSettings,
  env: Record<string, string> = {},
): Promise<BenchServer> {
  return launchBenchServer({
    ...settings,
    logFile: join(tmpdir(), `patchbay_bench_replica_${randomBytes(4).toString("hex")}.log`),
    env,
    dropDatabase: async () => undefined,
  });
}
