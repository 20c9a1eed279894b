import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchServer } from "./bench-server.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

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
export async function attachBenchServer(
  settings: AttachSettings,
  env: Record<string, string> = {},
): Promise<BenchServer> {
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter((arg) => arg !== "");
  // A file, not a pipe: see startBenchServer (a synchronous load-generator run would not drain a pipe).
  const logFile = join(tmpdir(), `patchbay_bench_replica_${randomBytes(4).toString("hex")}.log`);
  const logFd = openSync(logFile, "w");
  const child = spawn(process.execPath, [...nodeArgs, "src/main.ts"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      PATCHBAY_PORT: "0",
      PATCHBAY_HOST: "127.0.0.1",
      DATABASE_URL: settings.databaseUrl,
      PATCHBAY_MASTER_KEY: settings.masterKey,
      PATCHBAY_ADMIN_KEY: settings.key,
      PATCHBAY_RATE_LIMITS: "off",
      PATCHBAY_DRAIN_DELAY_MS: "0",
      PATCHBAY_CONCURRENCY_LIMITS: "off",
      PATCHBAY_SHED_EVENT_LOOP_DELAY_MS: "0",
      PATCHBAY_SHED_DB_WAITING: "0",
      LOG_FORMAT: "json",
      ...env,
    },
    stdio: ["ignore", logFd, "inherit"],
  });
  closeSync(logFd);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  const dropDatabase = async () => {
    rmSync(logFile, { force: true });
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const started = Date.now();
      const timer = setInterval(() => {
        try {
          const out = execFileSync("ss", ["-ltnpH"], { encoding: "utf8" });
          const line = out.split("\n").find((l) => l.includes(`pid=${child.pid},`));
          const m = line ? /127\.0\.0\.1:(\d+)/.exec(line) : null;
          if (m?.[1]) {
            clearInterval(timer);
            resolve(Number(m[1]));
          }
        } catch {}
        if (Date.now() - started > 60_000) {
          clearInterval(timer);
          reject(new Error(`replica did not listen: ${readFileSync(logFile, "utf8").slice(-4000)}`));
        }
      }, 200);
    });
    return {
      base: `http://127.0.0.1:${port}`,
      key: settings.key,
      databaseUrl: settings.databaseUrl,
      process: child,
      logFile,
      stop,
      dropDatabase,
    };
  } catch (error) {
    await stop();
    await dropDatabase();
    throw error;
  }
}
