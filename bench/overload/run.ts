// Overload benchmark (issue 16, section 4): the latency of well-behaved keys with and without one key
// flooding the same replica, in the same run, and how much of the flood is refused. Patchbay runs with its
// production defaults for in-flight limits and load shedding (rate limits off, so that what refuses the
// flood is the overload protection, not the per-minute counter). Alternating rounds:
//   quiet:   `--neighbours` closed-loop callers (the admin key) for `--seconds`
//   flooded: the same neighbours, while one standard key runs `--flood` closed-loop callers that never
//            back off (it starts a second earlier and stops a second later)
// All calls are ListConnectors over gRPC on h2c from separate load-generator processes (bench/overload/
// load.ts), on a catalog grown by `--connectors` script connectors. Traffic stays on 127.0.0.1.
//
//   node bench/overload/run.ts [--neighbours 4] [--flood 500] [--seconds 10] [--rounds 3] [--connectors 100]
//                              [--unprotected]
//
// --unprotected turns the in-flight limits and load shedding off, to see what they are worth.
//
// Uses a fresh PostgreSQL database on PATCHBAY_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { loadConfig } from "../../src/config.ts";
import { DEFAULT_CONCURRENCY_LIMITS } from "../../src/ratelimit/index.ts";
import { startBenchServer } from "../support/bench-server.ts";
import { median } from "../support/wrk.ts";

const { values } = parseArgs({
  options: {
    neighbours: { type: "string", default: "4" },
    flood: { type: "string", default: "500" },
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    connectors: { type: "string", default: "100" },
    unprotected: { type: "boolean", default: false },
  },
});
const root = fileURLToPath(new URL("../../", import.meta.url));

interface Load {
  readonly codes: Record<string, number>;
  readonly ok: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function load(base: string, key: string, workers: string, seconds: number): Promise<Load> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "bench/overload/load.ts",
        "--base",
        base,
        "--key",
        key,
        "--workers",
        workers,
        "--seconds",
        String(seconds),
      ],
      { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.once("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out) as Load) : reject(new Error(`load generator exited ${code}`)),
    );
  });
}

const masterKey = randomBytes(32).toString("base64");
// The bench server turns the overload protections off for the other benchmarks; here they are what is
// measured, so they run with their defaults.
const defaults = loadConfig({}, false);
const server = await startBenchServer({
  PATCHBAY_MASTER_KEY: masterKey,
  ...(values.unprotected
    ? {}
    : {
        PATCHBAY_CONCURRENCY_LIMITS: DEFAULT_CONCURRENCY_LIMITS,
        PATCHBAY_SHED_EVENT_LOOP_DELAY_MS: String(defaults.shedEventLoopDelayMs),
        PATCHBAY_SHED_DB_WAITING: String(defaults.shedDbWaiting),
      }),
});
try {
  const { base, key: admin } = server;
  for (let i = 0; i < Number(values.connectors); i++) {
    const res = await fetch(`${base}/api/v1/connectors`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: `bench-crm-${i}`,
        type: `bench-crm-${i}`,
        description: "A script connector that only makes the catalog bigger",
        version: "1.0.0",
        executionModel: "script",
        category: "crm",
        tags: ["sales", "contacts", `n${i}`],
        configSchema: {
          connectionConfig: { apiKey: { type: "string", required: true, secret: true } },
          commands: { test: { params: [], description: "Test connectivity", outputs: [] } },
        },
        scriptSource: "function test() { return { success: true }; }",
      }),
    });
    if (res.status >= 300)
      throw new Error(`creating a connector answered ${res.status}: ${await res.text()}`);
  }
  // The flooder: a standard key of its own, made with the CLI as an operator would.
  const created = await promisify(execFile)(
    process.execPath,
    ["bin/patchbay.js", "keys", "create", "--subject", "flooder", "--scope", "catalog:read", "--json"],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", DATABASE_URL: server.databaseUrl, PATCHBAY_MASTER_KEY: masterKey },
    },
  );
  const flooder = (JSON.parse(created.stdout) as { key: string }).key;
  const seconds = Number(values.seconds);
  // Warm up (JIT, pools, caches) with the neighbours alone.
  await load(base, admin, values.neighbours, 3);

  const rows: string[] = [];
  const quiet: Load[] = [];
  const flooded: Load[] = [];
  const floods: Load[] = [];
  const loads: number[] = [];
  for (let round = 1; round <= Number(values.rounds); round++) {
    loads.push(loadavg()[0] ?? Number.NaN);
    const q = await load(base, admin, values.neighbours, seconds);
    const flood = load(base, flooder, values.flood, seconds + 2);
    await sleep(1000);
    const f = await load(base, admin, values.neighbours, seconds);
    const fl = await flood;
    quiet.push(q);
    flooded.push(f);
    floods.push(fl);
    const total = Object.values(fl.codes).reduce((a, b) => a + b, 0);
    const refused = (fl.codes.ResourceExhausted ?? 0) + (fl.codes.Unavailable ?? 0);
    const errors = (l: Load) =>
      Object.entries(l.codes)
        .filter(([code]) => code !== "ok")
        .map(([c, n]) => `${c} ${n}`);
    rows.push(
      `| ${round} | ${q.ok} | ${q.p50.toFixed(1)} / ${q.p99.toFixed(1)} | ${f.ok} | ${f.p50.toFixed(1)} / ${f.p99.toFixed(1)} | ${(f.p99 / q.p99).toFixed(2)} | ${[...errors(q), ...errors(f)].join(", ") || "none"} | ${total} | ${((refused / total) * 100).toFixed(1)} % | ${fl.ok} |`,
    );
  }
  const ratio = median(flooded.map((f, i) => f.p99 / (quiet[i]?.p99 ?? Number.NaN)));
  process.stdout.write(
    [
      `overload benchmark${values.unprotected ? " (UNPROTECTED: no in-flight limits, no shedding)" : ""}: ${values.rounds} rounds × ${values.seconds} s, ${values.neighbours} neighbour callers, flood of ${values.flood} callers, ${values.connectors} extra connectors, PostgreSQL`,
      `load average (1 min) at the start of each round: ${loads.map((l) => l.toFixed(2)).join(", ")}`,
      "",
      "| round | quiet: neighbour calls | quiet p50 / p99 ms | flooded: neighbour calls | flooded p50 / p99 ms | p99 flooded / quiet | neighbour errors | flood calls | flood refused | flood served |",
      "|---|---|---|---|---|---|---|---|---|---|",
      ...rows,
      "",
      `neighbours' p99 with a flood = ${ratio.toFixed(2)} × without (median of rounds); flood refused: ${floods.map((fl) => `${(((fl.codes.ResourceExhausted ?? 0) / Object.values(fl.codes).reduce((a, b) => a + b, 0)) * 100).toFixed(1)} %`).join(", ")}`,
      "",
    ].join("\n"),
  );
} finally {
  await server.stop();
  await server.dropDatabase();
}
