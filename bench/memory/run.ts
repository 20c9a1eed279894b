// Memory under sustained load: Execute of the built-in `echo` command over Connect JSON (wrk, one thread,
// HTTP/1.1 on 127.0.0.1) against one Patchbay server on a fresh PostgreSQL database, at the default log
// level, in load runs of `--chunk` seconds until `--calls` calls were answered, then `--idle` seconds
// with no load. After every run it reads the server's resident set (VmRSS and its anonymous part, from
// /proc/<pid>/status) and its V8 heap and external memory (from its own `/metrics`). At the first
// checkpoint (`--first`, 100k calls) and at the end it then has the server collect all garbage (the
// inspector's HeapProfiler.collectGarbage, over the DevTools protocol on a loopback port opened with
// SIGUSR1 before the load) and reads again: the heap's used size after a full collection is the data
// still alive. Live heap that grows with the calls is a leak; live heap that stays flat while the
// resident set grows is memory V8 or the allocator keeps.
//
//   node bench/memory/run.ts [--calls 1000000] [--first 100000] [--connections 64] [--chunk 10] [--idle 60]
//
// `BENCH_SERVER_NODE_ARGS` adds Node options to the server (e.g. `--max-semi-space-size=16`), to compare.
// Uses a fresh database on PATCHBAY_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startBenchServer } from "../support/bench-server.ts";
import { countExecutionRecords, recordsOf } from "../support/execution-records.ts";
import { wrk } from "../support/wrk.ts";
import { wrkScript } from "../support/wrk-script.ts";

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "1000000" },
    first: { type: "string", default: "100000" },
    connections: { type: "string", default: "64" },
    chunk: { type: "string", default: "10" },
    idle: { type: "string", default: "60" },
  },
});
const target = Number(values.calls);
const first = Number(values.first);
const MIB = 1024 * 1024;
const PARAMS = { message: "hi" };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** One reading of the server's memory. */
interface Reading {
  readonly label: string;
  readonly calls: number;
  readonly rss: number;
  readonly rssAnon: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  /** The heap's used size right after a heap snapshot's full collection: the live data. */
  readonly liveHeap?: number;
}

/** `kB` fields of /proc/<pid>/status, in bytes. */
function status(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, "utf8").split("\n")) {
    const m = /^(\w+):\s+(\d+) kB/.exec(line);
    if (m?.[1] && m[2]) out[m[1]] = Number(m[2]) * 1024;
  }
  return out;
}

/** An unlabelled metric's value on a Prometheus text page. */
function metric(page: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)`, "m").exec(page);
  return m?.[1] === undefined ? Number.NaN : Number(m[1]);
}

/** A loopback port free right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), "patchbay-memory-"));
// The server's inspector on a loopback port of its own, opened by SIGUSR1 before any load.
const inspectPort = await freePort();
process.env.BENCH_SERVER_NODE_ARGS = [
  process.env.BENCH_SERVER_NODE_ARGS ?? "",
  `--inspect-port=127.0.0.1:${inspectPort}`,
].join(" ");
const loadAtStart = load();
// Production's level: the request line of every call is written (to the benchmark's pipe).
const server = await startBenchServer({ LOG_LEVEL: "info" });
const pid = server.process.pid;
if (pid === undefined) throw new Error("the server has no pid");

let devtools: { collect: () => Promise<void>; close: () => void } | undefined;
try {
  const script = wrkScript(dir, "execute", {
    method: "POST",
    headers: { authorization: `Bearer ${server.key}`, "content-type": "application/json" },
    body: JSON.stringify({ connectorSlug: "echo", command: "echo", params: PARAMS }),
    expect: `"payload":${JSON.stringify(PARAMS)}`,
  });
  const url = `${server.base}/patchbay.v1.ExecuteService/Execute`;
  const readings: Reading[] = [];

  /** Opens the server's inspector (SIGUSR1) and returns a full-collection function over it. */
  async function inspector(): Promise<{ collect: () => Promise<void>; close: () => void }> {
    process.kill(pid as number, "SIGUSR1");
    let target: { webSocketDebuggerUrl?: string } | undefined;
    for (let waited = 0; target?.webSocketDebuggerUrl === undefined; waited += 200) {
      if (waited > 60_000) throw new Error("the server's inspector did not open");
      await sleep(200);
      target = await fetch(`http://127.0.0.1:${inspectPort}/json/list`)
        .then(async (r) => ((await r.json()) as { webSocketDebuggerUrl?: string }[])[0])
        .catch(() => undefined);
    }
    const socket = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      socket.addEventListener("open", resolve, { once: true });
      socket.addEventListener("error", reject, { once: true });
    });
    let id = 0;
    const collect = () =>
      new Promise<void>((resolve, reject) => {
        const mine = ++id;
        const onMessage = (event: MessageEvent) => {
          const answer = JSON.parse(String(event.data)) as { id?: number; error?: unknown };
          if (answer.id !== mine) return;
          socket.removeEventListener("message", onMessage);
          if (answer.error === undefined) resolve();
          else reject(new Error(`collectGarbage: ${JSON.stringify(answer.error)}`));
        };
        socket.addEventListener("message", onMessage);
        socket.send(JSON.stringify({ id: mine, method: "HeapProfiler.collectGarbage" }));
      });
    // The server waits for an attached debugger to leave before it exits.
    return { collect, close: () => socket.close() };
  }
  devtools = await inspector();

  /**
   * The server's `/metrics` page. Tried again once: a kept-alive connection the server closed while wrk
   * ran fails the first request on it.
   */
  async function metricsPage(): Promise<string> {
    const get = async () => (await fetch(`${server.base}/metrics`)).text();
    return get().catch(() => get());
  }

  async function read(label: string, calls: number, live: boolean): Promise<Reading> {
    if (live) await devtools?.collect();
    const page = await metricsPage();
    const s = status(pid as number);
    const heapUsed = metric(page, "nodejs_heap_size_used_bytes");
    const reading: Reading = {
      label,
      calls,
      rss: s.VmRSS ?? Number.NaN,
      rssAnon: s.RssAnon ?? Number.NaN,
      heapUsed,
      heapTotal: metric(page, "nodejs_heap_size_total_bytes"),
      external: metric(page, "nodejs_external_memory_bytes"),
      ...(live ? { liveHeap: heapUsed } : {}),
    };
    readings.push(reading);
    const mib = (n: number | undefined) => (n === undefined ? "–" : (n / MIB).toFixed(1));
    process.stdout.write(
      `${label}: ${calls} calls, RSS ${mib(reading.rss)} MiB (anon ${mib(reading.rssAnon)}), heap ${mib(reading.heapUsed)} / ${mib(reading.heapTotal)} MiB, external ${mib(reading.external)} MiB${live ? `, live heap ${mib(reading.liveHeap)} MiB` : ""}; load ${load()}\n`,
    );
    return reading;
  }

  await read("idle after start", 0, false);
  await read("idle after start, collected", 0, true);
  let calls = 0;
  let failed = 0;
  let firstReading: Reading | undefined;
  let firstLive: Reading | undefined;
  let nextReport = first;
  while (calls < target) {
    const r = wrk(url, script, values.connections, values.chunk);
    calls += r.ok;
    failed += r.errors;
    if (firstReading === undefined && calls >= first) {
      firstReading = await read(`after the first ${first / 1000}k`, calls, false);
      firstLive = await read(`after the first ${first / 1000}k, collected`, calls, true);
      nextReport = first * 2;
    } else if (calls >= nextReport) {
      await read("under load", calls, false);
      nextReport += first;
    }
  }
  await read("after the last run", calls, false);
  await sleep(Number(values.idle) * 1000);
  const end = await read(`after ${values.idle} s idle`, calls, false);
  const endLive = await read(`after ${values.idle} s idle, collected`, calls, true);
  devtools?.close();
  await server.stop();
  const records = await countExecutionRecords(server.databaseUrl, "echo");
  const succeeded = recordsOf(records, "succeeded");
  const base = firstReading ?? readings[0];
  if (base === undefined) throw new Error("no reading");
  const ratio = end.rss / base.rss;
  const mib = (n: number) => (n / MIB).toFixed(1);
  process.stdout.write(
    [
      "",
      `| reading | calls | RSS MiB | anonymous MiB | heap used / total MiB | external MiB | live heap MiB |`,
      `|---|---|---|---|---|---|---|`,
      ...readings.map(
        (r) =>
          `| ${r.label} | ${r.calls} | ${mib(r.rss)} | ${mib(r.rssAnon)} | ${mib(r.heapUsed)} / ${mib(r.heapTotal)} | ${mib(r.external)} | ${r.liveHeap === undefined ? "–" : mib(r.liveHeap)} |`,
      ),
      "",
      `RSS after ${calls} calls and ${values.idle} s idle = ${(ratio * 100).toFixed(1)} % of RSS after the first ${first} (target ≤ 125 %) → ${ratio <= 1.25 ? "within" : "OVER"}`,
      firstLive?.liveHeap !== undefined && endLive.liveHeap !== undefined
        ? `live heap: ${mib(firstLive.liveHeap)} MiB after the first ${first}, ${mib(endLive.liveHeap)} MiB at the end (${((endLive.liveHeap / firstLive.liveHeap) * 100).toFixed(1)} %)`
        : "live heap not read",
      `answers: ${failed === 0 ? "every answer was a success" : `${failed} FAILED`}; records: ${succeeded} succeeded for ${calls} counted calls (difference ${succeeded - calls}, calls in flight at the cuts)`,
      `load average ${loadAtStart} at the start, ${load()} at the end`,
      "",
    ].join("\n"),
  );
} catch (error) {
  process.stderr.write(`memory benchmark failed: ${String(error)}\n`);
  process.exitCode = 1;
} finally {
  devtools?.close();
  await server.stop();
  await server.dropDatabase();
  rmSync(dir, { recursive: true, force: true });
}
