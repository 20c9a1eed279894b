// Bridge overhead benchmark: REST `GET /api/v1/connectors/http` against the same call over Connect JSON
// (`POST /patchbay.v1.CatalogService/GetConnector`), same server, same run, same concurrency, alternating
// rounds. Load comes from wrk (Debian package `wrk`) in its own process; traffic stays on 127.0.0.1.
//
//   node bench/bridge/run.ts [--connections 64] [--seconds 10] [--rounds 3]
//
// Uses a fresh PostgreSQL database on PATCHBAY_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "64" },
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
  },
});
const root = fileURLToPath(new URL("../../", import.meta.url));
const adminUrl = process.env.PATCHBAY_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(sql);
  await client.end();
}

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

function ms(text: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(text);
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
}

function wrk(url: string, script: string, connections: string, seconds: string): WrkResult {
  const out = execFileSync(
    "wrk",
    ["-t", "1", "-c", connections, "-d", `${seconds}s`, "--latency", "-s", script, url],
    { encoding: "utf8" },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = ms(/\n\s+50%\s+(\S+)/.exec(out)?.[1] ?? "");
  const p99 = ms(/\n\s+99%\s+(\S+)/.exec(out)?.[1] ?? "");
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { rps, p50, p99, errors };
}

const db = `patchbay_bench_${randomBytes(4).toString("hex")}`;
await admin(`create database ${db}`);
const databaseUrl = new URL(adminUrl);
databaseUrl.pathname = `/${db}`;
const key = `pb_${randomBytes(32).toString("base64url")}`;
const server = spawn(process.execPath, ["src/main.ts"], {
  cwd: root,
  env: {
    PATH: process.env.PATH ?? "",
    PATCHBAY_PORT: "0",
    PATCHBAY_HOST: "127.0.0.1",
    DATABASE_URL: databaseUrl.toString(),
    PATCHBAY_MASTER_KEY: randomBytes(32).toString("base64"),
    PATCHBAY_ADMIN_KEY: key,
    // One key hammers the server; per-key limits would measure the limiter, not the bridge.
    PATCHBAY_RATE_LIMITS: "off",
    LOG_LEVEL: "warn",
    LOG_FORMAT: "json",
  },
  stdio: ["ignore", "pipe", "inherit"],
});
let log = "";
server.stdout.on("data", (d: Buffer) => {
  log += d.toString();
});
try {
  // LOG_LEVEL=warn hides the listening line, so find the port from the process's sockets via /proc.
  const port = await new Promise<number>((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      try {
        const out = execFileSync("ss", ["-ltnpH"], { encoding: "utf8" });
        const line = out.split("\n").find((l) => l.includes(`pid=${server.pid},`));
        const m = line ? /127\.0\.0\.1:(\d+)/.exec(line) : null;
        if (m?.[1]) {
          clearInterval(timer);
          resolve(Number(m[1]));
        }
      } catch {}
      if (Date.now() - started > 60_000) {
        clearInterval(timer);
        reject(new Error(`server did not listen: ${log}`));
      }
    }, 200);
  });
  const dir = mkdtempSync(join(tmpdir(), "patchbay-bench-"));
  const restScript = join(dir, "rest.lua");
  const connectScript = join(dir, "connect.lua");
  writeFileSync(restScript, `wrk.method = "GET"\nwrk.headers["Authorization"] = "Bearer ${key}"\n`);
  writeFileSync(
    connectScript,
    `wrk.method = "POST"\nwrk.body = '{"slug":"http"}'\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer ${key}"\n`,
  );
  const base = `http://127.0.0.1:${port}`;
  const restUrl = `${base}/api/v1/connectors/http`;
  const connectUrl = `${base}/patchbay.v1.CatalogService/GetConnector`;
  // Warm up both paths (JIT, pools).
  wrk(restUrl, restScript, values.connections, "3");
  wrk(connectUrl, connectScript, values.connections, "3");
  const rest: WrkResult[] = [];
  const connect: WrkResult[] = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    connect.push(wrk(connectUrl, connectScript, values.connections, values.seconds));
    rest.push(wrk(restUrl, restScript, values.connections, values.seconds));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const row = (name: string, rs: WrkResult[]) =>
    `| ${name} | ${median(rs.map((r) => r.rps)).toFixed(0)} | ${median(rs.map((r) => r.p50)).toFixed(2)} | ${median(rs.map((r) => r.p99)).toFixed(2)} | ${rs.reduce((a, r) => a + r.errors, 0)} |`;
  const ratio = median(rest.map((r) => r.rps)) / median(connect.map((r) => r.rps));
  process.stdout.write(
    [
      `bridge benchmark: ${values.rounds} rounds × ${values.seconds} s, ${values.connections} connections, wrk 1 thread, PostgreSQL`,
      "",
      "| path | req/s (median) | p50 ms | p99 ms | errors |",
      "|---|---|---|---|---|",
      row("Connect JSON POST GetConnector", connect),
      row("REST GET /api/v1/connectors/http", rest),
      "",
      `REST throughput = ${(ratio * 100).toFixed(1)} % of Connect JSON (target ≥ 85 %)`,
      "",
    ].join("\n"),
  );
} finally {
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  await admin(`drop database if exists ${db} with (force)`);
}
