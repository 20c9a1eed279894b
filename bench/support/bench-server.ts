import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const root = fileURLToPath(new URL("../../", import.meta.url));
const adminUrl = process.env.PATCHBAY_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Runs one statement on a database (a new connection each time: benchmarks call this a few times). */
export async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A Patchbay process on a fresh PostgreSQL database, as benchmarks drive it. */
export interface BenchServer {
  readonly base: string;
  readonly key: string;
  readonly databaseUrl: string;
  readonly process: ChildProcess;
  /** The file the server's standard output (its JSON log lines) goes to; removed with the database. */
  readonly logFile: string;
  /** SIGTERM (shutdown flushes the execution recorder) and wait for the exit; the database stays. */
  stop(): Promise<void>;
  /** Drops the database (and removes the log file). */
  dropDatabase(): Promise<void>;
}

/**
 * Starts `src/main.ts` on a fresh database on PATCHBAY_TEST_PG_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres) with a known admin key, rate limiting, in-flight limits
 * and load shedding off (one key hammers the server; per-key limits would measure the limiter), on a
 * free loopback port. Logging is production's: LOG_LEVEL unset (info: one line per call) and JSON lines,
 * written to a file, as a log shipper would take them. `env` adds or overrides settings (`LOG_LEVEL`, say).
 */
export async function startBenchServer(env: Record<string, string> = {}): Promise<BenchServer> {
  const db = `patchbay_bench_${randomBytes(4).toString("hex")}`;
  await query(adminUrl, `create database ${db}`);
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${db}`;
  return launchBenchServer({
    databaseUrl: databaseUrl.toString(),
    masterKey: randomBytes(32).toString("base64"),
    key: `pb_${randomBytes(32).toString("base64url")}`,
    logFile: join(tmpdir(), `${db}.log`),
    env,
    dropDatabase: () => query(adminUrl, `drop database if exists ${db} with (force)`).then(() => undefined),
  });
}

/** What {@link launchBenchServer} starts a server with. */
export interface LaunchSettings {
  readonly databaseUrl: string;
  readonly masterKey: string;
  readonly key: string;
  readonly logFile: string;
  readonly env: Record<string, string>;
  /** What `BenchServer.dropDatabase` does before it removes the log file. */
  readonly dropDatabase: () => Promise<void>;
}

/**
 * Starts `src/main.ts` with the benchmarks' settings on `settings.databaseUrl` and waits until it listens
 * (startBenchServer on a fresh database, attachBenchServer as a second replica of one).
 */
export async function launchBenchServer(settings: LaunchSettings): Promise<BenchServer> {
  const { logFile } = settings;
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server during a run.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter((arg) => arg !== "");
  // A file, not a pipe: the benchmark's own process sits in a synchronous load-generator run for seconds
  // at a time and would not drain a pipe, and a full pipe would stall the server's log writes.
  const logFd = openSync(logFile, "w");
  const child = spawn(process.execPath, [...nodeArgs, "src/main.ts"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      // As the container image runs it (deploy/Dockerfile); the bench's own MALLOC_* settings override, to compare.
      MALLOC_ARENA_MAX: "2",
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith("MALLOC_"))),
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
      ...settings.env,
      // BENCH_SERVER_ENV="PATCHBAY_METRICS=off LOG_LEVEL=warn" prices a setting: it overrides the above.
      ...Object.fromEntries(
        (process.env.BENCH_SERVER_ENV ?? "")
          .split(" ")
          .filter((pair) => pair.includes("="))
          .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
      ),
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
    await settings.dropDatabase();
    rmSync(logFile, { force: true });
  };
  try {
    // A quieter LOG_LEVEL hides the listening line, so find the port from the process's sockets.
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
          reject(new Error(`server did not listen: ${readFileSync(logFile, "utf8").slice(-4000)}`));
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
