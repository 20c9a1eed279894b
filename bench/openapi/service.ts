// bench/openapi/service.ts: what one CreateConnector import of a published description costs the
// service process. Each case starts a whole Patchbay of its own (bench/openapi/service-child.ts, on a
// fresh PostgreSQL database) and imports a description of test/fixtures/openapi/ over gRPC; after
// DocuSign's CreateConnector, one generated command is executed (its params are refused, so nothing is sent: the plan is
// loaded and its validators compiled). The child reports its memory: the kernel's peak RSS of the
// service process, its main thread's peak heap (sampled every 10 ms) and longest event-loop block, and
// both again after a GC when the import is done and once the import worker has ended (30 s idle). The
// import worker's own peak RSS is read from /proc before it ends (a process of its own since issue 16;
// an older tree's worker is a thread, counted in the service's RSS).
//
// Usage: node bench/openapi/service.ts [--baseline <checkout>] [--timeout 300] [--case <label part>]
//        [--env KEY=VALUE]... (extra environment of the service process, e.g. glibc malloc tunables)
// --baseline runs the same cases on another source tree first (e.g. `git archive <commit>` unpacked,
// with node_modules linked), for a same-run comparison. An import that exceeds --timeout seconds or
// kills the child is reported as such.
import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { query } from "../support/bench-server.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const adminUrl = process.env.PATCHBAY_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const MIB = 2 ** 20;
/** How long after an import the worker has surely ended (its idle time is 30 s). */
const WORKER_IDLE_WAIT_MS = 35_000;

/** Each import, on a service process of its own; `parse` only drafts (ParseOpenApi: the worker, no rows). */
const require = createRequire(import.meta.url);
const published = (file: string) => () =>
  gunzipSync(readFileSync(new URL(`../../test/fixtures/openapi/${file}`, import.meta.url))).toString();
const docusign = published("docusign.net.json.gz");
const CASES = [
  { label: "docusign.net (2.7 MB, 402 ops)", slug: "docusign", document: docusign, rpc: "create", times: 1 },
  { label: "docusign.net, ParseOpenApi", slug: "docusign", document: docusign, rpc: "parse", times: 1 },
  {
    label: "docusign.net, 3 CreateConnector in a row",
    slug: "docusign",
    document: docusign,
    rpc: "create",
    times: 3,
  },
  {
    label: "googleapis.com/walletobjects (0.3 MB, 97 ops)",
    slug: "wallet",
    document: published("googleapis.com-walletobjects.json.gz"),
    rpc: "create",
    times: 1,
  },
  {
    label: "petstore 3.0 (20 ops), for scale",
    slug: "petstore",
    document: () => readFileSync(require.resolve("@readme/oas-examples/3.0/json/petstore.json"), "utf8"),
    rpc: "create",
    times: 1,
  },
] as const;

interface Memory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  peakHeapUsed: number;
  hwm: number;
  maxDelayMs: number;
}

interface Child {
  url: string;
  process: ChildProcess;
  ask(kind: "memory" | "reset", gc?: boolean): Promise<Memory>;
  /** The last peak RSS seen (polled while an import runs, so a crash still leaves a figure). */
  lastHwm(): number;
  /** Records a peak RSS read from outside. */
  sawHwm(bytes: number): void;
  stop(): Promise<void>;
}

async function startChild(
  tree: string,
  databaseUrl: string,
  key: string,
  extra: Record<string, string>,
): Promise<Child> {
  const child = fork(fileURLToPath(new URL("./service-child.ts", import.meta.url)), ["--root", tree], {
    // BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the service (each thread).
    execArgv: [
      "--expose-gc",
      ...(process.env.BENCH_SERVICE_NODE_ARGS ?? "").split(" ").filter((a) => a !== ""),
    ],
    env: {
      PATH: process.env.PATH ?? "",
      PATCHBAY_PORT: "0",
      PATCHBAY_HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl,
      PATCHBAY_MASTER_KEY: randomBytes(32).toString("base64"),
      PATCHBAY_ADMIN_KEY: key,
      PATCHBAY_RATE_LIMITS: "off",
      LOG_LEVEL: "warn",
      LOG_FORMAT: "json",
      ...extra,
    },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  // A send on a channel the child closed (it crashed) is reported as an event; the exit tells the rest.
  child.on("error", () => undefined);
  let hwm = 0;
  let nextId = 1;
  const waiting = new Map<number, { resolve: (memory: Memory) => void; reject: (error: Error) => void }>();
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      for (const asked of waiting.values()) asked.reject(new Error("the service ended"));
      waiting.clear();
      resolve();
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (m: { kind: string; url: string }) => resolve(m.url));
    child.once("exit", (code, signal) => reject(new Error(`the service ended (${signal ?? code})`)));
  });
  child.on("message", (m: Memory & { id: number }) => {
    hwm = Math.max(hwm, m.hwm);
    waiting.get(m.id)?.resolve(m);
    waiting.delete(m.id);
  });
  const ask = (kind: "memory" | "reset", gc = false) =>
    new Promise<Memory>((resolve, reject) => {
      if (!child.connected) return reject(new Error("the service ended"));
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      child.send({ id, kind, gc });
    });
  return {
    url,
    process: child,
    ask: (kind, gc) => {
      if (kind === "reset") hwm = 0;
      return ask(kind, gc);
    },
    lastHwm: () => hwm,
    sawHwm: (bytes) => {
      hwm = Math.max(hwm, bytes);
    },
    stop: async () => {
      if (child.connected) child.send({ kind: "stop" });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Polls the child's peak RSS from /proc while `work` runs (a service busy dying answers no IPC). */
async function watched<T>(child: Child, work: Promise<T>): Promise<T> {
  const timer = setInterval(() => child.sawHwm(processPeak(child.process.pid ?? 0)), 250);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

const mib = (bytes: number): string => (bytes / MIB).toFixed(0);

/** The kernel's peak RSS (VmHWM) of process `pid`, in bytes; 0 once it is gone. */
function processPeak(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("VmHWM:"));
    return Number(/(\d+)/.exec(line ?? "")?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Peak RSS of the processes `pid` started (the import worker), in bytes; 0 when there are none. */
function childrenPeak(pid: number): number {
  let peak = 0;
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/);
    for (const child of children.filter((c) => c !== "")) peak = Math.max(peak, processPeak(Number(child)));
  } catch {}
  return peak;
}

/** One import on a fresh service process (and database), measured; one table row. */
async function runCase(
  name: string,
  tree: string,
  c: (typeof CASES)[number],
  timeoutS: number,
): Promise<string> {
  const db = `patchbay_bench_${randomBytes(4).toString("hex")}`;
  await query(adminUrl, `create database ${db}`);
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${db}`;
  const key = `pb_${randomBytes(32).toString("base64url")}`;
  const document = c.document();
  let child: Child | undefined;
  try {
    child = await startChild(tree, databaseUrl.toString(), key, extraEnv);
    const headers = { authorization: `Bearer ${key}` };
    const transport = createGrpcTransport({ baseUrl: child.url });
    // Settle after start-up (migrations, first connections) before the idle figure.
    await new Promise((r) => setTimeout(r, 2_000));
    const idle = await child.ask("reset", true);
    const call = (slug: string) =>
      (c.rpc === "parse"
        ? createClient(CatalogService, transport).parseOpenApi(
            { source: { case: "document", value: document } },
            { headers, timeoutMs: timeoutS * 1000 },
          )
        : createClient(CatalogService, transport).createConnector(
            { name: slug, executionModel: "openapi", openapiDocument: document },
            { headers, timeoutMs: timeoutS * 1000 },
          )
      ).then(
        () => (c.rpc === "parse" ? "drafted" : "created"),
        (e: unknown) => `failed: ${String((e as Error).message).slice(0, 80)}`,
      );
    const start = performance.now();
    let outcome = await watched(child, call(c.slug));
    const seconds = ((performance.now() - start) / 1000).toFixed(1);
    // Later imports, when asked for, show whether what the first one left is reused or added to.
    for (let i = 2; i <= c.times && outcome === "created"; i++)
      outcome = await watched(child, call(`${c.slug}-${i}`));
    const ended = (how: string) =>
      `| ${name} | ${c.label} | ${how}; the service ended | ${seconds} s | | ${mib(idle.rss)} → ≥ ${mib(child?.lastHwm() ?? 0)} | | | |`;
    // A service that is out of heap may answer the call (or time out) and end a moment later.
    const peak = await child.ask("memory").catch(() => undefined);
    if (peak === undefined) return ended(outcome);
    const workerPeak = childrenPeak(child.process.pid ?? 0);
    const after = await child.ask("memory", true);
    await new Promise((r) => setTimeout(r, WORKER_IDLE_WAIT_MS));
    const settled = await child.ask("memory", true);
    let executed = "";
    if (c.slug === "docusign" && c.rpc === "create" && c.times === 1 && outcome === "created") {
      await child.ask("reset", true);
      const t = performance.now();
      // Refused by its params (recipientId must be a string): loads the plan, compiles the validators.
      await createClient(ExecuteService, transport)
        .execute(
          {
            target: { case: "connectorSlug", value: "docusign" },
            command: "envelopesPostEnvelopes",
            params: { accountId: "a", recipients: { signers: [{ recipientId: 1 }] } },
          },
          { headers, timeoutMs: timeoutS * 1000 },
        )
        .catch(() => undefined);
      const ran = await child.ask("memory", true);
      executed = `${((performance.now() - t) / 1000).toFixed(1)} s (block ${ran.maxDelayMs.toFixed(0)} ms); then RSS ${mib(ran.rss)}, heap ${mib(ran.heapUsed)}`;
    }
    return `| ${name} | ${c.label} | ${outcome} | ${seconds} s | ${peak.maxDelayMs.toFixed(0)} ms | ${mib(idle.rss)} → ${mib(peak.hwm)} → ${mib(after.rss)} → ${mib(settled.rss)} | ${mib(idle.heapUsed)} → ${mib(peak.peakHeapUsed)} → ${mib(after.heapUsed)} → ${mib(settled.heapUsed)} (${mib(settled.heapTotal)}) | ${workerPeak > 0 ? mib(workerPeak) : "(thread)"} | ${executed} |`;
  } finally {
    await child?.stop();
    await query(adminUrl, `drop database if exists ${db} with (force)`);
  }
}

const { values } = parseArgs({
  options: {
    baseline: { type: "string" },
    timeout: { type: "string", default: "300" },
    case: { type: "string" },
    env: { type: "string", multiple: true, default: [] },
  },
});
/** Extra environment of the service process (`--env MALLOC_ARENA_MAX=2`, repeatable). */
const extraEnv = Object.fromEntries(
  (values.env ?? []).map((pair) => [pair.split("=")[0], pair.slice(pair.indexOf("=") + 1)]),
);
const timeoutS = Number(values.timeout);
process.stdout.write(
  "| tree | description | CreateConnector | time | longest event-loop block | RSS MiB: idle → peak → done → worker ended | main heap used MiB: idle → peak → done → worker ended (committed) | worker peak RSS MiB | first Execute |\n|---|---|---|---|---|---|---|---|---|\n",
);
const trees: Array<[string, string]> = [
  ...(values.baseline ? ([["baseline", values.baseline]] as Array<[string, string]>) : []),
  ["this tree", root],
];
for (const c of CASES.filter((c) => values.case === undefined || c.label.includes(values.case)))
  for (const [name, tree] of trees) process.stdout.write(`${await runCase(name, tree, c, timeoutS)}\n`);
