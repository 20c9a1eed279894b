// Observability benchmark: Execute of the built-in `echo` command over Connect JSON on three Patchbay
// servers running side by side, alternating rounds (the order rotates each round), each on its own database with its own key,
// same concurrency:
//   1. `PATCHBAY_METRICS=off`, no tracing: the baseline;
//   2. metrics on (the default), no tracing;
//   3. metrics on and tracing at 100 % sampling (`OTEL_TRACES_SAMPLER=always_on`), exporting over
//      OTLP/HTTP to bench/observability/otlp-sink.ts on loopback, which counts the spans it receives.
// Load from wrk (Debian package `wrk`, one thread) in its own process, over HTTP/1.1 on 127.0.0.1; every
// answer is checked. The servers' CPU time per call (and the sink's) is read from /proc. After the
// rounds, server 2's `/metrics` is scraped once and its Execute count compared with wrk's successful
// calls; then the servers are stopped (shutdown flushes the execution recorder and the span exporter),
// each server's execution records are counted against its successful calls, and the sink's spans against
// the tracing server's.
//
//   node bench/observability/run.ts [--connections 64] [--seconds 10] [--rounds 3]
//
// Uses fresh PostgreSQL databases on PATCHBAY_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type BenchServer, startBenchServer } from "../support/bench-server.ts";
import { countExecutionRecords, recordsOf } from "../support/execution-records.ts";
import { processCpuMs } from "../support/process-cpu.ts";
import { median, type WrkResult, wrk } from "../support/wrk.ts";
import { wrkScript } from "../support/wrk-script.ts";
import type { SinkCount } from "./otlp-sink.ts";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "64" },
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
  },
});
const root = fileURLToPath(new URL("../../", import.meta.url));
const EXECUTE_PATH = "/patchbay.v1.ExecuteService/Execute";
const PARAMS = { message: "hi" };
const EXECUTE_BODY = JSON.stringify({ connectorSlug: "echo", command: "echo", params: PARAMS });
const EXPECT = `"payload":${JSON.stringify(PARAMS)}`;
/** The spans every Execute of echo makes: the call (server span), authenticate, resolve connector, the command. */
const CALL_SPANS = [
  "patchbay.v1.ExecuteService/Execute",
  "authenticate",
  "resolve connector",
  "connector command",
] as const;
const SPANS_PER_CALL = CALL_SPANS.length;
/** Spans of the call path in `count` (database statement spans, made only on a cache miss, apart). */
const callPathSpans = (count: SinkCount): number =>
  CALL_SPANS.reduce((sum, name) => sum + (count.byName[name] ?? 0), 0);

const TARGETS = ["off", "metrics", "tracing"] as const;
type Target = (typeof TARGETS)[number];
const NAMES: Record<Target, string> = {
  off: "1. metrics off (baseline)",
  metrics: "2. metrics on, tracing off",
  tracing: "3. metrics on, tracing 100 %",
};

/** One load run and what it cost. */
interface Run extends WrkResult {
  /** Server CPU time per successful call, in microseconds. */
  cpuUs: number;
  /** The sink's CPU time per successful call, in microseconds (the tracing server's runs only). */
  sinkCpuUs?: number;
  /** Spans the sink received during the run (and its settling), per successful call. */
  spansPerCall?: number;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for the `port=<n>` line a child prints. */
function childPort(child: ChildProcess, what: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /port=(\d+)/.exec(out);
      if (m?.[1]) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`${what} exited (${code})`)));
  });
}

const stopChild = async (child: ChildProcess) => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
};

/** `name{a="x",b="y"} 12` lines of a Prometheus text page, for one metric name. */
function samples(page: string, metric: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of page.split("\n")) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    const m = /^[^{ ]+(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[1] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] ?? ""] = l[2] ?? "";
    out.push({ labels, value: Number(m[2]) });
  }
  return out;
}

const loadAtStart = load();
const sink = spawn(process.execPath, ["bench/observability/otlp-sink.ts"], {
  cwd: root,
  env: { PATH: process.env.PATH ?? "" },
  stdio: ["ignore", "pipe", "inherit"],
});
const servers: Partial<Record<Target, BenchServer>> = {};
try {
  const sinkPort = await childPort(sink, "otlp sink");
  const sinkPid = sink.pid;
  if (sinkPid === undefined) throw new Error("the sink process has no pid");
  const sinkCount = async (): Promise<SinkCount> =>
    (await (await fetch(`http://127.0.0.1:${sinkPort}/count`)).json()) as SinkCount;
  /** Waits until the sink's span count has not moved for 500 ms (at most 60 s), and returns it. */
  const settledSpans = async (): Promise<number> => {
    let last = (await sinkCount()).spans;
    for (let waited = 0; waited < 60_000; waited += 500) {
      await sleep(500);
      const now = (await sinkCount()).spans;
      if (now === last) return now;
      last = now;
    }
    return last;
  };

  // Side by side (started one after the other, each on its own fresh database); each idles while
  // another is measured.
  const envs: Record<Target, Record<string, string>> = {
    off: { PATCHBAY_METRICS: "off" },
    metrics: {},
    tracing: {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
      OTEL_TRACES_SAMPLER: "always_on",
    },
  };
  for (const target of TARGETS) servers[target] = await startBenchServer(envs[target]);
  const server = (t: Target): BenchServer => {
    const s = servers[t];
    if (s === undefined) throw new Error(`no server ${t}`);
    return s;
  };
  const pidOf = (t: Target): number => {
    const pid = server(t).process.pid;
    if (pid === undefined) throw new Error(`server ${t} has no pid`);
    return pid;
  };

  // The baseline really has no metrics page; the others have one.
  for (const target of TARGETS) {
    const page = await fetch(`${server(target).base}/metrics`);
    const text = await page.text();
    const serves = page.ok && text.includes("patchbay_rpc_requests_total");
    if (serves !== (target !== "off")) {
      throw new Error(
        `${target}: /metrics answered HTTP ${page.status}, expected ${target === "off" ? "no page" : "the page"}`,
      );
    }
  }

  const dir = mkdtempSync(join(tmpdir(), "patchbay-bench-"));
  const request = (t: Target) => ({
    url: `${server(t).base}${EXECUTE_PATH}`,
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${server(t).key}` },
    body: EXECUTE_BODY,
    expect: EXPECT,
  });
  // One call each before the load, checked here so a broken server fails fast with its answer.
  for (const target of TARGETS) {
    const { url, method, headers, body } = request(target);
    const answer = await fetch(url, { method, headers, body });
    const text = await answer.text();
    if (!answer.ok || !text.includes(EXPECT))
      throw new Error(`${target} probe: HTTP ${answer.status} ${text}`);
  }
  // The tracing server's probe reaches the sink (the exporter sends every second).
  for (let waited = 0; callPathSpans(await sinkCount()) < SPANS_PER_CALL; waited += 200) {
    if (waited > 30_000)
      throw new Error(`the sink got no spans from the probe: ${JSON.stringify(await sinkCount())}`);
    await sleep(200);
  }
  const ok: Record<Target, number> = { off: 1, metrics: 1, tracing: 1 };
  const scripts = Object.fromEntries(TARGETS.map((t) => [t, wrkScript(dir, t, request(t))])) as Record<
    Target,
    string
  >;
  const run = async (target: Target, seconds: string): Promise<Run> => {
    const pid = pidOf(target);
    const spansBefore = target === "tracing" ? await settledSpans() : 0;
    const before = processCpuMs(pid);
    const sinkBefore = processCpuMs(sinkPid);
    const r = wrk(request(target).url, scripts[target], values.connections, seconds);
    // Let the run's last execution-record batch (every 500 ms) and, on the tracing server, its last
    // span exports land before reading the CPU, so each run pays for its own work.
    await sleep(600);
    const spansAfter = target === "tracing" ? await settledSpans() : 0;
    const cpuMs = processCpuMs(pid) - before;
    const sinkCpuMs = processCpuMs(sinkPid) - sinkBefore;
    ok[target] += r.ok;
    return {
      ...r,
      cpuUs: (cpuMs * 1000) / r.ok,
      ...(target === "tracing"
        ? { sinkCpuUs: (sinkCpuMs * 1000) / r.ok, spansPerCall: (spansAfter - spansBefore) / r.ok }
        : {}),
    };
  };
  // Warm up every server (JIT, caches, pools); their calls are recorded too, so they count.
  for (const target of TARGETS) await run(target, "3");
  const results: Record<Target, Run[]> = { off: [], metrics: [], tracing: [] };
  for (let round = 0; round < Number(values.rounds); round++) {
    // Rotate the order so that no server always follows the same one.
    for (let i = 0; i < TARGETS.length; i++) {
      const target = TARGETS[(round + i) % TARGETS.length] as Target;
      results[target].push(await run(target, values.seconds));
    }
  }
  const loadAtEnd = load();

  // One scrape of server 2's metrics page, against wrk's successful calls (and of server 3's, for the
  // codes of any failed calls and the number of calls, against the spans).
  const executeSamplesOf = async (t: Target) =>
    samples(await (await fetch(`${server(t).base}/metrics`)).text(), "patchbay_rpc_requests_total").filter(
      (s) => s.labels.procedure === EXECUTE_PATH,
    );
  const executeSamples = await executeSamplesOf("metrics");
  const tracingSamples = await executeSamplesOf("tracing");
  const counted = (code: string) =>
    executeSamples.filter((s) => s.labels.code === code).reduce((a, s) => a + s.value, 0);

  for (const target of TARGETS) await server(target).stop();
  const finalSpans = await sinkCount();
  const records = Object.fromEntries(
    await Promise.all(
      TARGETS.map(async (t) => [t, await countExecutionRecords(server(t).databaseUrl, "echo")] as const),
    ),
  ) as Record<Target, Awaited<ReturnType<typeof countExecutionRecords>>>;

  // wrk stops the clock with up to one call per connection in flight: the server answers (counts,
  // records, traces) those, but wrk does not count them.
  const inFlightBound = (1 + Number(values.rounds)) * Number(values.connections);
  const within = (difference: number, bound: number) => difference >= 0 && difference <= bound;

  const med = (t: Target, f: (r: Run) => number) => median(results[t].map(f));
  const rps = (t: Target) => med(t, (r) => r.rps);
  const errors = (t: Target) => results[t].reduce((a, r) => a + r.errors, 0);
  const socketErrors = (t: Target) => results[t].reduce((a, r) => a + (r.socketErrors ?? 0), 0);
  const perRound = (t: Target) =>
    results[t]
      .map((r, i) => `${((r.rps / (results.off[i]?.rps ?? Number.NaN)) * 100).toFixed(1)}`)
      .join(", ");
  const roundRatios = (t: Target) => results[t].map((r, i) => r.rps / (results.off[i]?.rps ?? Number.NaN));
  const row = (t: Target) =>
    `| ${NAMES[t]} | ${rps(t).toFixed(0)} | ${((rps(t) / rps("off")) * 100).toFixed(1)} % (${perRound(t)}) | ${med(t, (r) => r.p50).toFixed(2)} / ${med(t, (r) => r.p99).toFixed(2)} | ${med(t, (r) => r.cpuUs).toFixed(0)} | ${t === "tracing" ? `${med(t, (r) => r.spansPerCall ?? Number.NaN).toFixed(2)} (sink ${med(t, (r) => r.sinkCpuUs ?? Number.NaN).toFixed(0)} µs/call)` : "–"} | ${errors(t) - socketErrors(t)} | ${socketErrors(t)} |`;

  const metricsOk = counted("ok");
  const allRecords = (t: Target) => records[t].reduce((a, c) => a + c.n, 0);
  const metricsOther = executeSamples.filter((s) => s.labels.code !== "ok");
  const pathSpans = callPathSpans(finalSpans);
  const statementSpans = finalSpans.spans - pathSpans;
  const spansDifference = pathSpans - SPANS_PER_CALL * ok.tracing;
  // Calls wrk counted as failed may have made their call span (and a command span) too.
  const spansBound = SPANS_PER_CALL * (inFlightBound + errors("tracing"));
  const tracingCalls = tracingSamples.reduce((a, s) => a + s.value, 0);
  const callSpans = finalSpans.byName["patchbay.v1.ExecuteService/Execute"] ?? 0;
  const commandSpans = finalSpans.byName["connector command"] ?? 0;
  const lines = [
    `observability benchmark: ${values.rounds} rounds × ${values.seconds} s, ${values.connections} connections, wrk 1 thread, three servers side by side, PostgreSQL; load average ${loadAtStart} at the start, ${loadAtEnd} at the end`,
    "",
    "| server | req/s (median) | / baseline (rounds) | p50 / p99 ms | server CPU µs/call | spans per call | failed answers | socket errors |",
    "|---|---|---|---|---|---|---|---|",
    ...TARGETS.map(row),
    "",
    `metrics on = ${((rps("metrics") / rps("off")) * 100).toFixed(1)} % of metrics off (target ≥ 95 %; median of the rounds' ratios ${(median(roundRatios("metrics")) * 100).toFixed(1)} %); tracing at 100 % = ${((rps("tracing") / rps("off")) * 100).toFixed(1)} % of metrics off (rounds' median ${(median(roundRatios("tracing")) * 100).toFixed(1)} %), ${((rps("tracing") / rps("metrics")) * 100).toFixed(1)} % of metrics on`,
    `server CPU per call: metrics on / off = ${(med("metrics", (r) => r.cpuUs) / med("off", (r) => r.cpuUs)).toFixed(3)}×, tracing / metrics on = ${(med("tracing", (r) => r.cpuUs) / med("metrics", (r) => r.cpuUs)).toFixed(3)}×`,
    `/metrics of server 2: patchbay_rpc_requests_total{procedure="${EXECUTE_PATH}",code="ok"} = ${metricsOk} for ${ok.metrics} successful calls seen by wrk (incl. warm-up and probe), difference ${metricsOk - ok.metrics} (at most ${inFlightBound} in flight at the cuts) → ${within(metricsOk - ok.metrics, inFlightBound) ? "they agree" : "MISMATCH"}; other codes: ${metricsOther.map((s) => `${s.labels.code} ${s.value}`).join(", ") || "none"}`,
    `spans: ${finalSpans.spans} received in ${finalSpans.requests} exports for ${ok.tracing} successful calls, ${pathSpans} of the call path = ${(pathSpans / ok.tracing).toFixed(3)} per call (expected ${SPANS_PER_CALL}; difference ${spansDifference}, at most ${spansBound} from calls in flight at the cuts and failed calls) → ${within(spansDifference, spansBound) ? `${SPANS_PER_CALL} per call` : "MISMATCH"}; by name: ${Object.entries(
      finalSpans.byName,
    )
      .map(([name, n]) => `${name} ${n}`)
      .join(
        ", ",
      )}${finalSpans.unparsed > 0 ? `; ${finalSpans.unparsed} exports not parsed` : ""}; database statement spans (cache misses) ${statementSpans}, ${((statementSpans / ok.tracing) * 1000).toFixed(1)} per 1,000 calls`,
    `exact: server 2's Execute ok count ${metricsOk === recordsOf(records.metrics, "succeeded") ? "equals" : "DIFFERS FROM"} its succeeded records (${recordsOf(records.metrics, "succeeded")}); server 3's call spans (${callSpans}) ${callSpans === tracingCalls ? "equal" : "DIFFER FROM"} its Execute count on /metrics, every code (${tracingCalls}: ${tracingSamples.map((s) => `${s.labels.code} ${s.value}`).join(", ")}); its command spans (${commandSpans}) ${commandSpans === allRecords("tracing") ? "equal" : "DIFFER FROM"} its records of every status (${allRecords("tracing")})`,
    ...TARGETS.map((t) => {
      const succeeded = recordsOf(records[t], "succeeded");
      const other = records[t].filter((c) => c.status !== "succeeded").reduce((a, c) => a + c.n, 0);
      return `records, ${NAMES[t]}: ${succeeded} succeeded for ${ok[t]} successful calls, difference ${succeeded - ok[t]} → ${within(succeeded - ok[t], inFlightBound) ? "every counted call has its record" : "MISMATCH"}; ${other} of other statuses (calls wrk cut off)`;
    }),
    TARGETS.every((t) => errors(t) === 0)
      ? "answers: every answer was a success"
      : TARGETS.every((t) => errors(t) === socketErrors(t))
        ? `answers: every answer was a success, but ${TARGETS.reduce((a, t) => a + socketErrors(t), 0)} calls got none in time (wrk's socket errors: its 2 s timeout on a loaded machine) — not a clean run`
        : "answers: some FAILED — this run is invalid",
    "",
  ];
  process.stdout.write(lines.join("\n"));
} finally {
  for (const target of TARGETS) {
    const s = servers[target];
    if (s === undefined) continue;
    await s.stop();
    await s.dropDatabase();
  }
  await stopChild(sink);
}
