// Webhook receiver benchmark: signed GitHub deliveries POSTed to Patchbay's public receiver (verified,
// deduplicated, the event and its job committed in one transaction before the 2xx) against plain
// single-row INSERTs into an equivalent table on the same PostgreSQL database, same run, same
// concurrency (64), alternating rounds. Every delivery is distinct (its own body, X-GitHub-Delivery and
// signature), and the plain table has both dedupe indexes (provider event id and replay key); the
// client is an undici pool of 64 keep-alive connections on 127.0.0.1.
//
//   node bench/webhooks/run.ts [--deliveries 10000] [--rounds 3] [--concurrency 64]
//
// Uses a fresh PostgreSQL database on PATCHBAY_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { createHmac, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import pg from "pg";
import { Pool } from "undici";
import { query, startBenchServer } from "../support/bench-server.ts";

const { values } = parseArgs({
  options: {
    deliveries: { type: "string", default: "10000" },
    rounds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "64" },
  },
});
const DELIVERIES = Number(values.deliveries);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);
const SECRET = "bench-github-secret";

interface Measured {
  perSecond: number;
  p50: number;
  p99: number;
  ok: number;
}

/** Runs `total` operations keeping `CONCURRENCY` in flight: throughput, and latency of each. */
async function measure(total: number, one: (i: number) => Promise<boolean>): Promise<Measured> {
  const latencies = new Float64Array(total);
  let next = 0;
  let ok = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t0 = performance.now();
        if (await one(i)) ok++;
        latencies[i] = performance.now() - t0;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort();
  return {
    perSecond: total / seconds,
    p50: latencies[Math.floor(total * 0.5)] ?? Number.NaN,
    p99: latencies[Math.floor(total * 0.99)] ?? Number.NaN,
    ok,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const server = await startBenchServer();
const db = new pg.Pool({ connectionString: server.databaseUrl, max: CONCURRENCY });
try {
  const created = await fetch(`${server.base}/api/v1/webhook-endpoints`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.key}`, "content-type": "application/json" },
    body: JSON.stringify({ provider: "github", connectorSlug: "github", secret: SECRET }),
  });
  const { endpoint } = (await created.json()) as { endpoint: { id: string } };
  const path = `/api/v1/connectors/webhooks/github/${endpoint.id}`;
  // The plain baseline: the same columns as webhook_events, one autocommitted INSERT per event.
  await db.query(`create table plain_events (
    id uuid primary key, tenant_id text not null, endpoint_id uuid not null, provider text not null,
    provider_event_id text not null, event_key text not null, sealed_payload text not null,
    received_at timestamptz not null, job_id uuid not null, replay_key uuid null)`);
  await db.query("create unique index plain_events_dedupe on plain_events (endpoint_id, provider_event_id)");
  await db.query(
    "create unique index plain_events_replay on plain_events (endpoint_id, replay_key) where replay_key is not null",
  );

  const client = new Pool(server.base, { connections: CONCURRENCY, pipelining: 1 });
  let round = 0;
  const delivery = (r: number, i: number) => {
    const body = JSON.stringify({
      action: "opened",
      // The round in the body too: GitHub signs the body, so one body under two delivery ids is a replay.
      issue: { number: i, title: `Issue ${r}-${i}`, body: "x".repeat(400) },
      repository: { id: 1, full_name: "acme/widgets" },
      sender: { login: "octocat" },
    });
    return {
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-github-delivery": `r${r}-${i}`,
        "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
      },
    };
  };
  const deliveries = (r: number) => Array.from({ length: DELIVERIES }, (_, i) => delivery(r, i));
  const post = async (d: ReturnType<typeof delivery>): Promise<boolean> => {
    const response = await client.request({ method: "POST", path, headers: d.headers, body: d.body });
    await response.body.dump();
    return response.statusCode === 204;
  };

  const receiver = async (): Promise<Measured> => {
    const batch = deliveries(round++);
    return measure(DELIVERIES, (i) => post(batch[i] as ReturnType<typeof delivery>));
  };
  const payload = "x".repeat(600);
  const plain = (): Promise<Measured> =>
    measure(DELIVERIES, async (i) => {
      await db.query(
        `insert into plain_events (id, tenant_id, endpoint_id, provider, provider_event_id, event_key, sealed_payload, received_at, job_id, replay_key)
         values ($1, 'bench', $2, 'github', $3, 'github.issues.opened', $4, now(), $5, $6)`,
        [randomUUID(), endpoint.id, `p${round}-${i}-${randomUUID()}`, payload, randomUUID(), randomUUID()],
      );
      return true;
    });

  // Warm-up: connections, JIT, the endpoint cache.
  await measure(Math.min(2000, DELIVERIES), (i) => post(delivery(-1, i)));
  await plain();

  const results: Record<"receiver" | "plain", Measured[]> = { receiver: [], plain: [] };
  for (let r = 0; r < ROUNDS; r++) {
    results.receiver.push(await receiver());
    results.plain.push(await plain());
  }
  await client.close();

  const events = await query(
    server.databaseUrl,
    `select count(*)::int as n from webhook_events where endpoint_id = '${endpoint.id}' and provider_event_id ~ '^r[0-9]'`,
  );
  const jobs = await query(
    server.databaseUrl,
    "select count(*)::int as n from pgboss.job where name like 'webhook-pull-%'",
  );
  const row = (name: string, r: Measured[]) =>
    `| ${name} | ${CONCURRENCY} | ${median(r.map((x) => x.perSecond)).toFixed(0)} | ${median(r.map((x) => x.p50)).toFixed(2)} | ${median(r.map((x) => x.p99)).toFixed(2)} |`;
  const ratio =
    median(results.receiver.map((x) => x.perSecond)) / median(results.plain.map((x) => x.perSecond));
  process.stdout.write(
    [
      `webhook benchmark: ${ROUNDS} rounds × ${DELIVERIES} per target, concurrency ${CONCURRENCY}, Node ${process.version}`,
      "",
      "| target | concurrency | per second (median) | p50 ms | p99 ms |",
      "|---|---|---|---|---|",
      row("receiver: verify + dedupe + event and job in one transaction", results.receiver),
      row("plain single-row INSERT (autocommit)", results.plain),
      "",
      `receiver = ${(ratio * 100).toFixed(1)} % of the plain insert rate (target ≥ 30 %, p99 < 50 ms)`,
      `per round: receiver ${results.receiver.map((x) => `${x.perSecond.toFixed(0)}/s p99 ${x.p99.toFixed(1)} ms`).join(", ")}; plain ${results.plain.map((x) => `${x.perSecond.toFixed(0)}/s p99 ${x.p99.toFixed(1)} ms`).join(", ")}`,
      `answered 204: ${results.receiver.map((x) => x.ok).join(", ")} of ${DELIVERIES} per round`,
      `events stored for the timed rounds: ${events.rows[0]?.n} (expected ${ROUNDS * DELIVERIES}); pull jobs in pg-boss: ${jobs.rows[0]?.n}`,
      "",
    ].join("\n"),
  );
} finally {
  await db.end();
  await server.stop();
  await server.dropDatabase();
}
