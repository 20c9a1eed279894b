// Replica benchmark: does a second replica on the same database cost more CPU per call than one?
// On one 2-core machine two replicas cannot add throughput (Patchbay, PostgreSQL and the load generators
// share the two cores), so it measures what scaling out depends on instead: the Patchbay processes' CPU
// time and PostgreSQL's CPU time per call answered, with all the load on one replica and with the same
// load split evenly over two replicas on the same database. Two workloads, alternating phases per round:
//   - execute: `Execute` of the built-in echo command over Connect JSON (HTTP/1.1), as bench/execute
//     sends it, every answer's body checked by the wrk script;
//   - webhooks: signed GitHub deliveries to one endpoint's public receiver, as bench/webhooks sends them
//     (verified, deduplicated, the event and its job committed before the 204), every delivery distinct
//     (its own X-GitHub-Delivery and body), read from a file by the wrk script, every answer checked.
// Phases: "one" sends all the load (--connections) to replica 1 while replica 2 is paused (SIGSTOP: a
// one-replica deployment, warm replica 2 kept for the next phase); "two" runs two wrk processes at once,
// half the connections each, one per replica. "apart" (a control, with --phases one,two,apart) sends the
// same halves to replica 1 and to a server of a second deployment (its own database on the same
// PostgreSQL, its own keys and endpoint, paused in the other phases): two processes that share the machine
// and the PostgreSQL server but no database, so two ÷ apart is what sharing one database costs, the
// coordination of scaling out. Server CPU is every running replica's /proc/<pid>/stat time;
// PostgreSQL CPU is that of every process named `postgres` on the machine (postmaster, background
// processes and backends) except other databases' backends. After each window the benchmark waits for
// PostgreSQL's statistics to be flushed and reads the bench database's commits and rows from
// pg_stat_database; for webhooks it counts the events and jobs stored for the window's deliveries and the
// transactions (distinct job creation times) they were committed in.
// With --rate, every round also measures the webhook workload's anchor (bench/replicas/plain-anchor.ts):
// the same deliveries at the same rate to plain Node receivers that only verify and parse them, all to
// one process and then half to each of two. A process's CPU per delivery grows when its own rate halves
// (fewer deliveries share each wake-up, and the same work runs on colder caches), which two replicas on
// one 2-core machine cannot avoid; Patchbay's two ÷ one over the plain receivers' is what its replicas
// add beyond that. PostgreSQL gets an anchor of its own (bench/replicas/plain-writers.ts): plain writers
// with the event writers' commit pattern (turns, the same rate and rows per transaction as Patchbay's
// window) writing to a copy of the webhook events table (or, with --writer-table rows, to a table with a
// primary key only), one at the full rate and then two at half each, their backends' CPU per row; with
// the half phase also one writer alone at half the rate, so that two ÷ half tells the second writer's own
// cost from what a backend's lower rate costs.
// Between windows the pull jobs waiting so far are completed, as consumers that keep up would, so every
// window starts with the jobs table's live part as small as a deployment's.
//
//   node bench/replicas/run.ts [--connections 64] [--seconds 10] [--rounds 3] [--workloads execute,webhooks]
//     [--phases one,two[,half][,apart]] [--rate <deliveries per second, webhooks in an open loop>]
//     [--writer-table rows|events]
//
// Uses a fresh PostgreSQL database on PATCHBAY_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import pg from "pg";
import { ECHO_PARAMS, EXECUTE_PATH } from "../execute/canned-execute-reply.ts";
import { attachBenchServer } from "../support/attach-bench-server.ts";
import { type BenchServer, query, startBenchServer } from "../support/bench-server.ts";
import { countExecutionRecords, recordsOf } from "../support/execution-records.ts";
import { postgresCpu, postgresCpuBetween } from "../support/postgres-cpu.ts";
import { processCpuMs } from "../support/process-cpu.ts";
import { median, type WrkResult } from "../support/wrk.ts";
import { openLoopAsync, wrkAsync } from "../support/wrk-async.ts";
import { writeDeliveries, wrkDeliveriesScript } from "../support/wrk-deliveries.ts";
import { wrkScript } from "../support/wrk-script.ts";
import { type AnchorWindow, type PlainAnchor, startPlainAnchor } from "./plain-anchor.ts";
import { type PlainWriters, startPlainWriters, type WriterWindow } from "./plain-writers.ts";

const WORKLOADS = ["execute", "webhooks"] as const;
type Workload = (typeof WORKLOADS)[number];
const ALL_PHASES = ["one", "two", "half", "apart"] as const;
type Phase = (typeof ALL_PHASES)[number];

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "64" },
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    workloads: { type: "string", default: WORKLOADS.join(",") },
    // "half" (a control, not run by default): replica 1 alone with half the connections, as each replica
    // gets in phase two: it tells a cost of the second replica from a cost of less concurrency per replica.
    // "apart" (a control, not run by default): the halves of phase two sent to replica 1 and to a server of
    // another deployment (its own database): it tells what sharing one database costs from what a second
    // process costs on this machine.
    phases: { type: "string", default: "one,two" },
    // Webhooks only: deliveries per second over all replicas, sent at that rate whatever the answers'
    // pace (an open loop, as providers send; bench/support/open-loop-deliveries.ts) instead of wrk's
    // closed loop of --connections; 0 (the default) keeps wrk.
    rate: { type: "string", default: "0" },
    // With --rate: the table PostgreSQL's anchor writes to: "events" (a copy of the webhook events table,
    // its columns and indexes: what a second writer costs on the table Patchbay's writers share) or "rows"
    // (a primary key only).
    "writer-table": { type: "string", default: "events" },
  },
});
const rate = Number(values.rate);
const writerTable = values["writer-table"];
if (writerTable !== "rows" && writerTable !== "events")
  throw new Error(`--writer-table: ${writerTable} (choose rows or events)`);
const picked = values.workloads.split(",").map((s) => s.trim());
const unknown = picked.filter((p) => !(WORKLOADS as readonly string[]).includes(p));
if (unknown.length > 0 || picked.length === 0)
  throw new Error(`--workloads: unknown ${unknown.join(", ")} (choose from ${WORKLOADS.join(", ")})`);
const workloads = WORKLOADS.filter((w) => picked.includes(w));
const pickedPhases = values.phases.split(",").map((s) => s.trim());
if (
  !pickedPhases.includes("one") ||
  !pickedPhases.includes("two") ||
  pickedPhases.some((p) => !(ALL_PHASES as readonly string[]).includes(p))
)
  throw new Error(`--phases: one and two, optionally half and apart (got ${values.phases})`);
const PHASES = ALL_PHASES.filter((p) => pickedPhases.includes(p));
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const seconds = values.seconds;
const SECRET = "bench-github-secret";
// PostgreSQL 15 backends flush their statistics when idle, at most once a second, or 10 s after the
// last flush was skipped: wait that out before reading pg_stat_database.
const STATS_SETTLE_MS = 11_000;

const JSON_BODY = JSON.stringify({ connectorSlug: "echo", command: "echo", params: ECHO_PARAMS });
const JSON_EXPECT = `"payload":${JSON.stringify(ECHO_PARAMS)}`;

/** The bench database's cumulative counters (pg_stat_database). */
interface DbCounters {
  commits: number;
  inserted: number;
  fetched: number;
  returned: number;
}

/** One window's measurement. */
interface Window {
  workload: Workload;
  phase: Phase;
  round: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  ok: number;
  /** "apart": the calls the other deployment's server answered (0 in the other phases). */
  otherOk: number;
  /** CPU ms of each server during the window: replica 1, replica 2, and the other deployment's server (0 without "apart"). */
  serverMs: number[];
  postgresMs: number;
  /**
   * What the bench database's active backends were doing, sampled from pg_stat_activity every 50 ms:
   * samples by "kind: state or wait event".
   */
  waits: Map<string, number>;
  /** The servers' read + write system calls and context switches during the window. */
  syscalls: number;
  switches: number;
  /** PostgreSQL CPU ms by process kind (application_name, or backend type for the others). */
  postgresByKind: Map<string, number>;
  db: DbCounters;
  /** Webhooks: events stored, their jobs, and the transactions they were committed in. */
  stored?: { events: number; jobs: number; transactions: number };
}

/**
 * A process's read and write system calls and context switches so far (/proc/<pid>/io and status): per
 * call, they tell how much work each wake-up of the event loop and each socket read or write carries.
 */
function processIo(pid: number): { syscalls: number; switches: number } {
  const io = readFileSync(`/proc/${pid}/io`, "utf8");
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (text: string, name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
  return {
    syscalls: field(io, "syscr") + field(io, "syscw"),
    switches: field(status, "voluntary_ctxt_switches") + field(status, "nonvoluntary_ctxt_switches"),
  };
}

/**
 * Samples pg_stat_activity every 50 ms until stopped: the bench databases' backends that are not idle,
 * by process kind and wait event ("running" when they wait on nothing). The sampling connection is on
 * the admin database, so its own backend counts as another database's and stays out of the CPU figures.
 */
const SAMPLES = "(samples)";
async function sampleWaits(
  adminUrl: string,
  dbNames: readonly string[],
): Promise<{ stop(): Promise<Map<string, number>> }> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const waits = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query(
        `select coalesce(nullif(application_name, ''), backend_type) as kind,
           coalesce(wait_event_type || ':' || wait_event, 'running') as what
         from pg_stat_activity where datname = any($1) and state <> 'idle' and pid <> pg_backend_pid()`,
        [dbNames],
      );
      waits.set(SAMPLES, (waits.get(SAMPLES) ?? 0) + 1);
      for (const row of rows as { kind: string; what: string }[]) {
        const key = `${row.kind}: ${row.what}`;
        waits.set(key, (waits.get(key) ?? 0) + 1);
      }
      await sleep(50);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end();
      return waits;
    },
  };
}

const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const loadAtStart = loadavg();
const dir = mkdtempSync(join(tmpdir(), "patchbay-bench-replicas-"));
const masterKey = randomBytes(32).toString("base64");
let first: BenchServer | undefined;
let second: BenchServer | undefined;
let other: BenchServer | undefined;
let anchor: PlainAnchor | undefined;
try {
  first = await startBenchServer({ PATCHBAY_MASTER_KEY: masterKey });
  second = await attachBenchServer({ databaseUrl: first.databaseUrl, masterKey, key: first.key });
  // "apart": a server of another deployment, on a database of its own.
  if (PHASES.includes("apart")) other = await startBenchServer();
  const replicas = [first, second] as const;
  const servers = other === undefined ? [first, second] : [first, second, other];
  const databaseUrls = [...new Set(servers.map((s) => s.databaseUrl))];
  const dbNames = databaseUrls.map((url) => new URL(url).pathname.slice(1));
  const adminUrl = process.env.PATCHBAY_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const pids = servers.map((r) => r.process.pid ?? 0);
  /** The servers each phase runs (the others are paused), by index in `servers`. */
  const running: Record<Phase, readonly number[]> = { one: [0], half: [0], two: [0, 1], apart: [0, 2] };

  // Counters summed over the bench databases (one, or two with "apart").
  const counters = async (): Promise<DbCounters> => {
    const total: DbCounters = { commits: 0, inserted: 0, fetched: 0, returned: 0 };
    for (const url of databaseUrls) {
      const { rows } = await query(
        url,
        `select xact_commit::float8 as commits, tup_inserted::float8 as inserted, tup_fetched::float8 as fetched,
           tup_returned::float8 as returned from pg_stat_database where datname = current_database()`,
      );
      const row = rows[0] as DbCounters;
      total.commits += row.commits;
      total.inserted += row.inserted;
      total.fetched += row.fetched;
      total.returned += row.returned;
    }
    return total;
  };
  /** Every PostgreSQL process's kind, and which belong to other databases (left out of the CPU). */
  const processKinds = async (): Promise<{ kinds: Map<number, string>; others: Set<number> }> => {
    const { rows } = await query(
      first?.databaseUrl ?? "",
      "select pid, datname, coalesce(nullif(application_name, ''), backend_type) as kind from pg_stat_activity",
    );
    const kinds = new Map<number, string>();
    const others = new Set<number>();
    for (const row of rows as { pid: number; datname: string | null; kind: string }[]) {
      if (row.datname !== null && !dbNames.includes(row.datname)) others.add(row.pid);
      else kinds.set(row.pid, row.kind);
    }
    return { kinds, others };
  };

  // Execute: the same checked Connect JSON call on every server, with its deployment's admin key.
  const executeScripts = servers.map((server, i) =>
    wrkScript(dir, `execute-${i}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${server.key}` },
      body: JSON_BODY,
      expect: JSON_EXPECT,
    }),
  );
  for (const server of servers) {
    const res = await fetch(`${server.base}${EXECUTE_PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${server.key}` },
      body: JSON_BODY,
    });
    const text = await res.text();
    if (!res.ok || !text.includes(JSON_EXPECT)) throw new Error(`Execute probe: ${res.status} ${text}`);
  }
  let executeOk = replicas.length;
  let otherExecuteOk = other === undefined ? 0 : 1;

  // Webhooks: one GitHub endpoint per deployment (made through replica 1; replica 2 reads it from the
  // database), with the same secret.
  const receiverPaths = servers.map(() => "");
  if (workloads.includes("webhooks")) {
    for (const server of other === undefined ? [first] : [first, other]) {
      const created = await fetch(`${server.base}/api/v1/webhook-endpoints`, {
        method: "POST",
        headers: { authorization: `Bearer ${server.key}`, "content-type": "application/json" },
        body: JSON.stringify({ provider: "github", connectorSlug: "github", secret: SECRET }),
      });
      if (!created.ok) throw new Error(`endpoint: ${created.status} ${await created.text()}`);
      const { endpoint } = (await created.json()) as { endpoint: { id: string } };
      const path = `/api/v1/connectors/webhooks/github/${endpoint.id}`;
      if (server === first) receiverPaths[0] = receiverPaths[1] = path;
      else receiverPaths[2] = path;
    }
  }
  // The webhook workload's anchor in an open loop: two plain Node receivers (no database), measured in
  // every round as Patchbay's replicas are (bench/replicas/plain-anchor.ts).
  // And PostgreSQL's: plain writers with the event writers' commit pattern (bench/replicas/plain-writers.ts).
  let writers: PlainWriters | undefined;
  if (workloads.includes("webhooks") && rate > 0) {
    anchor = await startPlainAnchor({ secret: SECRET, dir, settleMs: 3000 });
    writers = await startPlainWriters(first.databaseUrl, writerTable);
  }
  const anchorWindows: (AnchorWindow & { round: number })[] = [];
  const writerWindows: (WriterWindow & { round: number })[] = [];

  // Deliveries per wrk process and window: enough for the fastest rate seen so far, with room to spare.
  let deliveriesPerWindow = 40_000;

  /** Starts the window's wrk processes (one per replica that gets load) and waits for all of them. */
  const load = async (workload: Workload, phase: Phase, tag: string, secs: string): Promise<WrkResult[]> => {
    const indexes = running[phase];
    const targets = indexes.map((i) => servers[i] as BenchServer);
    const paths = indexes.map((i) => receiverPaths[i] ?? "");
    const total = phase === "half" ? Math.floor(connections / 2) : connections;
    const split = targets.map((_, i) =>
      String(Math.floor(total / targets.length) + (i < total % targets.length ? 1 : 0)),
    );
    if (workload === "execute")
      return Promise.all(
        targets.map((t, i) =>
          wrkAsync(`${t.base}${EXECUTE_PATH}`, executeScripts[indexes[i] ?? 0] ?? "", split[i] ?? "1", secs),
        ),
      );
    if (rate > 0) {
      // The same total rate in "one" and "two", split over the replicas that get load; "half" sends one
      // replica what each gets in "two" (half the rate), which tells a cost of the second replica from a
      // cost of each replica being less busy.
      const phaseRate = phase === "half" ? rate / 2 : rate;
      const files = await Promise.all(
        targets.map((_, i) =>
          writeDeliveries(
            dir,
            `${tag}-${i}`,
            `${tag}-${i}-`,
            Math.ceil((phaseRate / targets.length) * Number(secs)) + 1,
            SECRET,
          ),
        ),
      );
      try {
        return await Promise.all(
          targets.map((t, i) =>
            openLoopAsync(`${t.base}${paths[i]}`, files[i] ?? "", phaseRate / targets.length, secs),
          ),
        );
      } finally {
        for (const f of files) rmSync(f, { force: true });
      }
    }
    const scripts = await Promise.all(
      targets.map(async (_, i) => {
        const name = `${tag}-${i}`;
        const file = await writeDeliveries(dir, name, `${name}-`, deliveriesPerWindow, SECRET);
        return wrkDeliveriesScript(dir, name, { path: paths[i] ?? "", deliveriesFile: file, status: 204 });
      }),
    );
    try {
      return await Promise.all(
        targets.map((t, i) => wrkAsync(`${t.base}${paths[i]}`, scripts[i] ?? "", split[i] ?? "1", secs)),
      );
    } finally {
      for (const s of scripts) {
        rmSync(s, { force: true });
        rmSync(s.replace(/\.lua$/, ".tsv"), { force: true });
      }
    }
  };

  /**
   * Completes the pull jobs waiting so far, as consumers that keep up would (ClaimJobs, then AckJobs), and
   * vacuums the jobs table, between windows. Left waiting, they would pile up by a window's deliveries
   * each time, and every periodic scan of the live jobs (pg-boss's maintenance and polling, the job
   * gauges) would cost more from window to window, and on every replica.
   */
  const consumePullJobs = async (): Promise<void> => {
    for (const url of databaseUrls) {
      await query(
        url,
        `update pgboss.job set state = 'completed', started_on = now(), completed_on = now()
          where name like 'webhook-pull-%' and state = 'created'`,
      );
      await query(url, "vacuum (analyze) pgboss.job");
    }
  };

  /** Pauses the servers a phase does not run (SIGSTOP) and returns what resumes them. */
  const pauseOthers = (phase: Phase): (() => void) => {
    const paused = pids.filter((_, i) => !running[phase].includes(i));
    for (const pid of paused) process.kill(pid, "SIGSTOP");
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      for (const pid of paused) process.kill(pid, "SIGCONT");
    };
  };

  /** One phase's window: the servers it does not run paused, CPU and counters read around the load. */
  const measure = async (workload: Workload, phase: Phase, round: number): Promise<Window> => {
    const tag = `w${round}${workload[0]}${phase}`;
    const resume = pauseOthers(phase);
    try {
      const db0 = await counters();
      const server0 = pids.map(processCpuMs);
      const io0 = pids.map(processIo);
      const pg0 = postgresCpu();
      const sampler = await sampleWaits(adminUrl, dbNames);
      const results = await load(workload, phase, tag, seconds);
      const pg1 = postgresCpu();
      const waits = await sampler.stop();
      const server1 = pids.map(processCpuMs);
      const io1 = pids.map(processIo);
      const { kinds, others } = await processKinds();
      const byKind = new Map<string, number>();
      for (const [pid, ms] of pg1) {
        if (others.has(pid)) continue;
        const kind = kinds.get(pid) ?? "postmaster or ended";
        byKind.set(kind, (byKind.get(kind) ?? 0) + ms - (pg0.get(pid) ?? 0));
      }
      resume();
      await sleep(STATS_SETTLE_MS);
      const db1 = await counters();
      const window: Window = {
        workload,
        phase,
        round,
        rps: results.reduce((a, r) => a + r.rps, 0),
        // Two load generators: the worse of their percentiles.
        p50: Math.max(...results.map((r) => r.p50)),
        p99: Math.max(...results.map((r) => r.p99)),
        errors: results.reduce((a, r) => a + r.errors, 0),
        ok: results.reduce((a, r) => a + r.ok, 0),
        otherOk: phase === "apart" ? (results[1]?.ok ?? 0) : 0,
        serverMs: [0, 1, 2].map((i) => (server1[i] ?? 0) - (server0[i] ?? 0)),
        postgresMs: postgresCpuBetween(pg0, pg1, others),
        syscalls: io1.reduce((a, x, i) => a + x.syscalls - (io0[i]?.syscalls ?? 0), 0),
        switches: io1.reduce((a, x, i) => a + x.switches - (io0[i]?.switches ?? 0), 0),
        postgresByKind: byKind,
        waits,
        db: {
          commits: db1.commits - db0.commits,
          inserted: db1.inserted - db0.inserted,
          fetched: db1.fetched - db0.fetched,
          returned: db1.returned - db0.returned,
        },
      };
      if (workload === "webhooks") {
        const stored = { events: 0, jobs: 0, transactions: 0 };
        for (const url of databaseUrls) {
          const { rows } = await query(
            url,
            `select count(*)::int as events, count(j.id)::int as jobs, count(distinct j.created_on)::int as transactions
             from webhook_events e left join pgboss.job j on j.id = e.job_id
             where e.provider_event_id like '${tag}-%'`,
          );
          const row = rows[0] as typeof stored;
          stored.events += row.events;
          stored.jobs += row.jobs;
          stored.transactions += row.transactions;
        }
        window.stored = stored;
        await consumePullJobs();
      }
      return window;
    } finally {
      resume();
    }
  };

  // Warm-up: JIT, pools and caches on both replicas, for every workload (counted for the records).
  for (const workload of workloads) {
    for (const phase of PHASES) {
      const results = await load(workload, phase, `warm${workload[0]}${phase}`, "3");
      const ok = results.reduce((a, r) => a + r.ok, 0);
      if (workload === "execute") {
        // "apart": the second load generator's calls are recorded in the other deployment's database.
        const otherOk = phase === "apart" ? (results[1]?.ok ?? 0) : 0;
        executeOk += ok - otherOk;
        otherExecuteOk += otherOk;
      } else deliveriesPerWindow = Math.max(deliveriesPerWindow, Math.ceil((ok / 3) * Number(seconds) * 2));
    }
  }
  if (workloads.includes("webhooks")) await consumePullJobs();
  for (const phase of ["one", "two"] as const) {
    await anchor?.measure(phase, `warma${phase}`, rate, "3");
    // Rows per transaction as Patchbay's windows typically have at this rate (3–7).
    await writers?.measure(phase, rate, "3", 3);
  }

  // Idle cost: both replicas' and PostgreSQL's CPU per second with no load at all (background work:
  // job queue polling and maintenance, recorder and cache timers), one replica (replica 2 paused) and two
  // (the other deployment's server paused in both).
  const idle: Record<"one" | "two", { serverMsPerS: number; postgresMsPerS: number }> = {
    one: { serverMsPerS: 0, postgresMsPerS: 0 },
    two: { serverMsPerS: 0, postgresMsPerS: 0 },
  };
  for (const phase of ["one", "two"] as const) {
    const resume = pauseOthers(phase);
    try {
      const server0 = pids.map(processCpuMs);
      const pg0 = postgresCpu();
      await sleep(Number(seconds) * 1000);
      const pg1 = postgresCpu();
      const server1 = pids.map(processCpuMs);
      const { others } = await processKinds();
      idle[phase] = {
        serverMsPerS: server1.reduce((a, ms, i) => a + ms - (server0[i] ?? 0), 0) / Number(seconds),
        postgresMsPerS: postgresCpuBetween(pg0, pg1, others) / Number(seconds),
      };
    } finally {
      resume();
    }
  }
  // The warm-up's statistics are flushed before the first window reads its starting counters.
  await sleep(STATS_SETTLE_MS);

  const windows: Window[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const workload of workloads) {
      // Alternate which phase goes first, so that neither always runs on a machine just warmed by the other.
      const order = round % 2 === 1 ? PHASES : ([...PHASES].reverse() as Phase[]);
      for (const phase of order) {
        const w = await measure(workload, phase, round);
        windows.push(w);
        if (workload === "execute") {
          executeOk += w.ok - w.otherOk;
          otherExecuteOk += w.otherOk;
        }
        const server = (w.serverMs.reduce((a, ms) => a + ms, 0) * 1000) / w.ok;
        const pg = (w.postgresMs * 1000) / w.ok;
        process.stderr.write(
          `round ${round} ${workload} ${phase}: ${w.rps.toFixed(0)} req/s, server ${server.toFixed(0)} µs/call, PostgreSQL ${pg.toFixed(0)} µs/call, errors ${w.errors}\n`,
        );
      }
    }
    if (anchor !== undefined) {
      for (const phase of round % 2 === 1 ? (["one", "two"] as const) : (["two", "one"] as const)) {
        const w = { ...(await anchor.measure(phase, `w${round}a${phase}`, rate, seconds)), round };
        anchorWindows.push(w);
        process.stderr.write(
          `round ${round} plain receiver ${phase}: server ${w.serverUs.toFixed(0)} µs/delivery, errors ${w.errors}\n`,
        );
      }
    }
    if (writers !== undefined) {
      // With the half phase, also one writer alone at half the rate, with the rows per transaction of each
      // writer in "two": two ÷ half is what the second writer itself costs at the same rate per writer.
      const writerPhases = PHASES.includes("half")
        ? (["one", "two", "half"] as const)
        : (["one", "two"] as const);
      for (const phase of round % 2 === 1 ? writerPhases : [...writerPhases].reverse()) {
        // The rows per transaction of Patchbay's window of the same round and phase ("two"'s for "half").
        const like = phase === "half" ? "two" : phase;
        const own = windows.find((x) => x.workload === "webhooks" && x.round === round && x.phase === like);
        const perTransaction =
          own?.stored === undefined ? 1 : own.stored.events / Math.max(1, own.stored.transactions);
        const w = { ...(await writers.measure(phase, rate, seconds, perTransaction)), round };
        writerWindows.push(w);
        process.stderr.write(
          `round ${round} plain writer ${phase}: PostgreSQL ${w.postgresUs.toFixed(0)} µs/row, ${(w.rows / w.transactions).toFixed(1)} rows per transaction\n`,
        );
        await sleep(3000);
      }
    }
  }
  const loadAtEnd = loadavg();

  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const serverUs = (w: Window) => (w.serverMs.reduce((a, ms) => a + ms, 0) * 1000) / w.ok;
  const pgUs = (w: Window) => (w.postgresMs * 1000) / w.ok;
  const of = (workload: Workload, phase: Phase) =>
    windows.filter((w) => w.workload === workload && w.phase === phase);
  const med = (ws: Window[], f: (w: Window) => number) => median(ws.map(f));
  const phaseName: Record<Phase, string> = {
    one: "one replica",
    two: "two replicas",
    half: rate > 0 ? "one replica, half the rate" : "one replica, half the connections",
    apart: "two deployments, a database each",
  };
  const lines = [
    `replica benchmark: ${rounds} rounds × ${seconds} s per phase, ${connections} connections (split evenly over two wrk processes for two replicas), ` +
      `wrk 1 thread each; Node ${process.version}; load average ${loadAtStart} at start, ${loadAtEnd} at end`,
    "",
    "| round | workload | replicas | server µs/call (replica 1 + 2) | PostgreSQL µs/call | req/s | p50 ms | p99 ms | errors | commits/call | rows inserted/call | server syscalls/call | server context switches/call |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const w of windows) {
    const split = w.serverMs.map((ms) => ((ms * 1000) / w.ok).toFixed(0)).join(" + ");
    lines.push(
      `| ${w.round} | ${w.workload} | ${phaseName[w.phase]} | ${serverUs(w).toFixed(0)} (${split}) | ${pgUs(w).toFixed(0)} | ${w.rps.toFixed(0)} | ${w.p50.toFixed(2)} | ${w.p99.toFixed(2)} | ${w.errors} | ${(w.db.commits / w.ok).toFixed(3)} | ${(w.db.inserted / w.ok).toFixed(2)} | ${(w.syscalls / w.ok).toFixed(2)} | ${(w.switches / w.ok).toFixed(3)} |`,
    );
  }
  lines.push(
    "",
    "| workload | replicas | server µs/call (median) | PostgreSQL µs/call (median) | server + PostgreSQL | req/s (median) | p50 ms | p99 ms | errors (all rounds) |",
    "|---|---|---|---|---|---|---|---|---|",
  );
  for (const workload of workloads) {
    for (const phase of PHASES) {
      const ws = of(workload, phase);
      lines.push(
        `| ${workload} | ${phaseName[phase]} | **${med(ws, serverUs).toFixed(0)}** | **${med(ws, pgUs).toFixed(0)}** | ${med(ws, (w) => serverUs(w) + pgUs(w)).toFixed(0)} | ${med(ws, (w) => w.rps).toFixed(0)} | ${med(ws, (w) => w.p50).toFixed(2)} | ${med(ws, (w) => w.p99).toFixed(2)} | ${ws.reduce((a, w) => a + w.errors, 0)} |`,
      );
    }
  }
  lines.push(
    "",
    // two ÷ half compares the same load per replica: what a second replica itself costs.
    // two ÷ apart compares two processes on one database with two on a database each: what sharing it costs.
    "| workload | server: two ÷ one | PostgreSQL: two ÷ one | both: two ÷ one | target | server: half ÷ one | PostgreSQL: half ÷ one | server: two ÷ half | PostgreSQL: two ÷ half | server: two ÷ apart | PostgreSQL: two ÷ apart | both: two ÷ apart |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
  );
  for (const workload of workloads) {
    const one = of(workload, "one");
    const two = of(workload, "two");
    const half = of(workload, "half");
    const ratio = (f: (w: Window) => number) => med(two, f) / med(one, f);
    const halfRatio = (f: (w: Window) => number) =>
      half.length === 0 ? "–" : `${((med(half, f) / med(one, f)) * 100).toFixed(1)} %`;
    const twoToHalf = (f: (w: Window) => number) =>
      half.length === 0 ? "–" : `${((med(two, f) / med(half, f)) * 100).toFixed(1)} %`;
    const apart = of(workload, "apart");
    const twoToApart = (f: (w: Window) => number) =>
      apart.length === 0 ? "–" : `${((med(two, f) / med(apart, f)) * 100).toFixed(1)} %`;
    const both = ratio((w) => serverUs(w) + pgUs(w));
    lines.push(
      `| ${workload} | ${(ratio(serverUs) * 100).toFixed(1)} % | ${(ratio(pgUs) * 100).toFixed(1)} % | ${(both * 100).toFixed(1)} % | ${ratio(serverUs) <= 1.1 && ratio(pgUs) <= 1.1 ? "within 110 %" : "OVER 110 %"} | ${halfRatio(serverUs)} | ${halfRatio(pgUs)} | ${twoToHalf(serverUs)} | ${twoToHalf(pgUs)} | ${twoToApart(serverUs)} | ${twoToApart(pgUs)} | ${twoToApart((w) => serverUs(w) + pgUs(w))} |`,
    );
  }
  if (anchorWindows.length > 0) {
    // The same open loop against two plain Node receivers (bench/replicas/plain-anchor.ts): what a second
    // process costs on this machine for work with no coordination at all. Patchbay's two ÷ one over theirs
    // is what its replicas add beyond that.
    const anchorOf = (phase: "one" | "two") => anchorWindows.filter((w) => w.phase === phase);
    const anchorMed = (phase: "one" | "two", f: (w: AnchorWindow) => number) =>
      median(anchorOf(phase).map(f));
    lines.push(
      "",
      "Anchor: plain Node receivers (verify the signature, parse, 204; no database), the same deliveries and rate:",
      "",
      "| round | receivers | server µs/delivery | p99 ms | errors |",
      "|---|---|---|---|---|",
    );
    for (const w of anchorWindows)
      lines.push(
        `| ${w.round} | ${w.phase} | ${w.serverUs.toFixed(0)} | ${w.p99.toFixed(2)} | ${w.errors} |`,
      );
    const one = of("webhooks", "one");
    const two = of("webhooks", "two");
    const patchbay = med(two, serverUs) / med(one, serverUs);
    const plain = anchorMed("two", (w) => w.serverUs) / anchorMed("one", (w) => w.serverUs);
    lines.push(
      "",
      `server CPU per delivery, two ÷ one (medians): Patchbay ${pct(patchbay)}, plain receivers ${pct(plain)}; ` +
        `Patchbay's over the plain receivers' **${pct(patchbay / plain)}** (${patchbay / plain <= 1.1 ? "within" : "OVER"} 110 %)`,
    );
  }
  if (writerWindows.length > 0) {
    // Plain writers with the event writers' commit pattern (bench/replicas/plain-writers.ts): what a second
    // writer costs PostgreSQL on this machine. Set beside the event writers' backends (patchbay-events).
    const writerMed = (phase: WriterWindow["phase"], f: (w: WriterWindow) => number) =>
      median(writerWindows.filter((w) => w.phase === phase).map(f));
    lines.push(
      "",
      `PostgreSQL's anchor: plain writers (turns at committing, one multi-row INSERT per transaction into ${writerTable === "events" ? "a copy of the webhook events table" : "a table with a primary key only"}; nothing else of Patchbay's), the same rate and rows per transaction:`,
      "",
      "| round | writers | PostgreSQL µs/row (their backends) | rows per transaction |",
      "|---|---|---|---|",
    );
    for (const w of writerWindows)
      lines.push(
        `| ${w.round} | ${w.phase} | ${w.postgresUs.toFixed(0)} | ${(w.rows / w.transactions).toFixed(1)} |`,
      );
    const eventsUs = (w: Window) => ((w.postgresByKind.get("patchbay-events") ?? 0) * 1000) / w.ok;
    const patchbay = med(of("webhooks", "two"), eventsUs) / med(of("webhooks", "one"), eventsUs);
    const patchbayAll = med(of("webhooks", "two"), pgUs) / med(of("webhooks", "one"), pgUs);
    const plain = writerMed("two", (w) => w.postgresUs) / writerMed("one", (w) => w.postgresUs);
    lines.push(
      "",
      `PostgreSQL CPU per delivery, two ÷ one (medians): Patchbay's event writers' backends ${pct(patchbay)} (all of PostgreSQL ${pct(patchbayAll)}), plain writers ${pct(plain)}; ` +
        `Patchbay's event writers over the plain writers' **${pct(patchbay / plain)}**, all of PostgreSQL over the plain writers' **${pct(patchbayAll / plain)}** (${patchbayAll / plain <= 1.1 ? "within" : "OVER"} 110 %)`,
    );
    if (writerWindows.some((w) => w.phase === "half")) {
      // One writer at half the rate against two at half each: the second writer at the same rate per
      // writer. Near 100 % says a second writer costs what a backend's lower rate costs, nothing more.
      const twoHalf = writerMed("two", (w) => w.postgresUs) / writerMed("half", (w) => w.postgresUs);
      const halfOne = writerMed("half", (w) => w.postgresUs) / writerMed("one", (w) => w.postgresUs);
      lines.push(
        "",
        `plain writers, medians: one writer at half the rate ÷ at the full rate ${pct(halfOne)}; two at half each ÷ one at half **${pct(twoHalf)}**`,
      );
    }
  }
  lines.push(
    "",
    `idle (no load, ${seconds} s): one replica ${idle.one.serverMsPerS.toFixed(1)} ms/s server CPU, ${idle.one.postgresMsPerS.toFixed(1)} ms/s PostgreSQL; ` +
      `two replicas ${idle.two.serverMsPerS.toFixed(1)} ms/s server CPU, ${idle.two.postgresMsPerS.toFixed(1)} ms/s PostgreSQL`,
  );
  // Where PostgreSQL's time goes, by process kind, over all rounds.
  lines.push("", "PostgreSQL CPU by process kind, µs per call over all rounds:", "");
  const kinds = [...new Set(windows.flatMap((w) => [...w.postgresByKind.keys()]))].sort();
  lines.push(
    `| workload | replicas | ${kinds.join(" | ")} |`,
    `|---|---|${kinds.map(() => "---|").join("")}`,
  );
  for (const workload of workloads) {
    for (const phase of PHASES) {
      const ws = of(workload, phase);
      const calls = ws.reduce((a, w) => a + w.ok, 0);
      const cells = kinds.map((k) =>
        ((ws.reduce((a, w) => a + (w.postgresByKind.get(k) ?? 0), 0) * 1000) / calls).toFixed(1),
      );
      lines.push(`| ${workload} | ${phaseName[phase]} | ${cells.join(" | ")} |`);
    }
  }
  lines.push(
    "",
    "Active backends of the bench database, sampled every 50 ms (all rounds): backends in each state on average, by kind and wait event (top 12 per phase):",
    "",
  );
  for (const workload of workloads) {
    for (const phase of PHASES) {
      const ws = of(workload, phase);
      const total = new Map<string, number>();
      for (const w of ws) for (const [k, n] of w.waits) total.set(k, (total.get(k) ?? 0) + n);
      const samples = total.get(SAMPLES) ?? 1;
      total.delete(SAMPLES);
      const top = [...total].sort((a, b) => b[1] - a[1]).slice(0, 12);
      lines.push(
        `- ${workload}, ${phaseName[phase]}: ${top.map(([k, n]) => `${k} ${(n / samples).toFixed(2)}`).join("; ")}`,
      );
    }
  }
  if (workloads.includes("webhooks")) {
    lines.push("", "webhook deliveries stored per window (counted in the database after the window):", "");
    lines.push(
      "| round | replicas | answered 204 (wrk) | events stored | jobs | transactions | deliveries per transaction |",
      "|---|---|---|---|---|---|---|",
    );
    let allStored = true;
    for (const w of windows.filter((x) => x.workload === "webhooks")) {
      const s = w.stored ?? { events: 0, jobs: 0, transactions: 0 };
      // wrk stops its clock with up to one delivery per connection in flight: stored, not counted.
      if (s.events < w.ok || s.events - w.ok > connections || s.jobs !== s.events) allStored = false;
      lines.push(
        `| ${w.round} | ${phaseName[w.phase]} | ${w.ok} | ${s.events} | ${s.jobs} | ${s.transactions} | ${(s.events / s.transactions).toFixed(1)} |`,
      );
    }
    lines.push(
      "",
      allStored
        ? "deliveries: every answered delivery has its event and job (the rest were in flight at the cut)"
        : "deliveries: MISMATCH",
    );
  }

  await other?.stop();
  await second.stop();
  await first.stop();
  if (workloads.includes("execute")) {
    const windowsRun = (1 + rounds) * PHASES.length;
    const deployments: [BenchServer, number][] = [[first, executeOk]];
    if (other !== undefined) deployments.push([other, otherExecuteOk]);
    for (const [server, counted] of deployments) {
      const rows = recordsOf(await countExecutionRecords(server.databaseUrl, "echo"), "succeeded");
      lines.push(
        "",
        `execution records${server === other ? " (the other deployment)" : ""}: ${rows} succeeded rows for ${counted} successful Execute calls counted by wrk (incl. warm-up and probes); ` +
          `difference ${rows - counted} (calls in flight when a load run stopped, at most ${windowsRun * connections})`,
        rows >= counted && rows - counted <= windowsRun * connections
          ? "records: every counted call has its record"
          : "records: MISMATCH",
      );
    }
  }
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  await anchor?.stop();
  if (other !== undefined) {
    try {
      process.kill(other.process.pid ?? 0, "SIGCONT");
    } catch {}
    await other.stop();
    await other.dropDatabase();
  }
  if (second !== undefined) {
    try {
      process.kill(second.process.pid ?? 0, "SIGCONT");
    } catch {}
    await second.stop();
    await second.dropDatabase();
  }
  await first?.stop();
  await first?.dropDatabase();
  rmSync(dir, { recursive: true, force: true });
}
