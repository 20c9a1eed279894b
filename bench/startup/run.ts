// Start-up, idle memory and CLI latency of the embedded default, against the same service on the
// machine's PostgreSQL (DATABASE_URL) measured in the same run. See bench/README.md.
//
//   node bench/startup/run.ts [--rounds 3] [--idle-seconds 5]
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { query } from "../support/bench-server.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const adminUrl = process.env.PATCHBAY_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const { values } = parseArgs({
  options: { rounds: { type: "string", default: "3" }, "idle-seconds": { type: "string", default: "5" } },
});
const rounds = Number(values.rounds);
const idleMs = Number(values["idle-seconds"]) * 1000;
const run = promisify(execFile);

interface Started {
  readonly pid: number;
  readonly ms: number;
  stop(): Promise<void>;
}

/** Spawns `node src/main.ts` and resolves once it logs that it listens. */
async function start(env: Record<string, string>): Promise<Started> {
  const began = performance.now();
  const child = spawn(process.execPath, ["src/main.ts"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      PATCHBAY_PORT: "0",
      PATCHBAY_HOST: "127.0.0.1",
      LOG_FORMAT: "json",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const ms = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"msg":"patchbay listening"')) resolve(performance.now() - began);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`the server exited (${code}): ${output.slice(-500)}`)));
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    pid: child.pid ?? 0,
    ms,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Resident memory of a process, in MiB (VmRSS). */
async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Proportional memory (PSS: shared pages split between their users) of a cluster's processes, in MiB. */
async function clusterPssMiB(cluster: string): Promise<number> {
  const postmaster = Number((await readFile(join(cluster, "postmaster.pid"), "utf8")).split("\n")[0]);
  let kib = 0;
  for (const entry of await readdir("/proc")) {
    const pid = Number.parseInt(entry, 10);
    if (!Number.isInteger(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (pid !== postmaster && ppid !== postmaster) continue;
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, "utf8").catch(() => "");
    kib += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
  }
  return kib / 1024;
}

async function timeCli(env: Record<string, string>): Promise<number> {
  const began = performance.now();
  await run(process.execPath, ["src/cli/main.ts", "keys", "list"], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  return performance.now() - began;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const dataDir = await mkdtemp(join(tmpdir(), "patchbay-bench-startup-"));
// A compile cache of the run's own, empty at first: the first start is the first after `npm ci`.
const compileCache = await mkdtemp(join(tmpdir(), "patchbay-bench-compile-cache-"));
const embedded = { PATCHBAY_DATA_DIR: dataDir, LOG_LEVEL: "info", NODE_COMPILE_CACHE: compileCache };
const db = `patchbay_bench_${randomBytes(4).toString("hex")}`;
await query(adminUrl, `create database ${db}`);
const databaseUrl = new URL(adminUrl);
databaseUrl.pathname = `/${db}`;
const external = {
  DATABASE_URL: databaseUrl.toString(),
  PATCHBAY_MASTER_KEY: randomBytes(32).toString("base64"),
  PATCHBAY_DATA_DIR: dataDir,
  LOG_LEVEL: "info",
  NODE_COMPILE_CACHE: compileCache,
};
try {
  process.stdout.write(
    `load average ${(await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" ")}\n`,
  );
  const first = await start(embedded);
  process.stdout.write(`first start (initdb, empty compile cache): ${fmt(first.ms)}\n`);
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  const serviceRss = await rssMiB(first.pid);
  const postgresPss = await clusterPssMiB(join(dataDir, "postgres"));
  process.stdout.write(
    `idle: service RSS ${serviceRss.toFixed(0)} MiB, PostgreSQL PSS ${postgresPss.toFixed(0)} MiB\n`,
  );
  const cliAttached: number[] = [];
  for (let i = 0; i < rounds; i++) cliAttached.push(await timeCli(embedded));
  await first.stop();
  const cliAlone: number[] = [];
  for (let i = 0; i < rounds; i++) cliAlone.push(await timeCli(embedded));
  const cliExternal: number[] = [];
  for (let i = 0; i < rounds; i++) cliExternal.push(await timeCli(external));

  const later: number[] = [];
  const onPostgres: number[] = [];
  let externalRss = 0;
  for (let i = 0; i < rounds; i++) {
    // Alternating, so both see the same machine.
    const a = await start(embedded);
    later.push(a.ms);
    await a.stop();
    const b = await start(external);
    onPostgres.push(b.ms);
    if (i === 0) {
      await new Promise((resolve) => setTimeout(resolve, idleMs));
      externalRss = await rssMiB(b.pid);
    }
    await b.stop();
  }
  process.stdout.write(
    [
      `later starts: median ${fmt(median(later))} (${later.map(fmt).join(", ")})`,
      `same service on DATABASE_URL: median ${fmt(median(onPostgres))} (${onPostgres.map(fmt).join(", ")}); embedded / external ${(median(later) / median(onPostgres)).toFixed(2)}`,
      `idle service RSS on DATABASE_URL: ${externalRss.toFixed(0)} MiB`,
      `CLI keys list, service running: median ${fmt(median(cliAttached))} (${cliAttached.map(fmt).join(", ")})`,
      `CLI keys list, service stopped (starts and stops the server): median ${fmt(median(cliAlone))} (${cliAlone.map(fmt).join(", ")})`,
      `CLI keys list on DATABASE_URL: median ${fmt(median(cliExternal))} (${cliExternal.map(fmt).join(", ")})`,
      "",
    ].join("\n"),
  );
} finally {
  await rm(dataDir, { recursive: true, force: true });
  await rm(compileCache, { recursive: true, force: true });
  await query(adminUrl, `drop database if exists ${db} with (force)`);
}
