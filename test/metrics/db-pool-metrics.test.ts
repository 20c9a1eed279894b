import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { sign } from "@octokit/webhooks-methods";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import { parsePrometheusText, type Sample, sampleValue } from "../support/prometheus-text.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const SECRET = "db-pool-metrics-secret";
const CONNECTIONS = "patchbay_db_pool_connections";
const WAITING = "patchbay_db_pool_waiting";
/** Generous bounds for a loaded machine. */
const SLOW = { timeout: 60_000, interval: 100 };

// Each of a replica's PostgreSQL pools on /metrics under its own `pool` label: the main (ORM) pool, the
// webhook event writer's and the job queue's, read at scrape time from a real server on real PostgreSQL.
describe("database pool metrics", () => {
  let t: TestServer;
  let sql: pg.Client;
  let endpointId: string;
  const scrape = async (): Promise<Sample[]> =>
    parsePrometheusText(await (await fetch(`${t.url}/metrics`)).text());
  const connections = (samples: readonly Sample[], pool: string, state: string) =>
    sampleValue(samples, CONNECTIONS, { pool, state });

  /** POSTs a signed GitHub delivery to the endpoint; resolves with the status once it is answered. */
  async function deliver(delivery: string): Promise<number> {
    const body = JSON.stringify({ action: "opened", issue: { number: 1 }, repository: { id: 1 } });
    const res = await fetch(`${t.url}/api/v1/connectors/webhooks/github/${endpointId}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-github-delivery": delivery,
        "x-hub-signature-256": await sign(SECRET, body),
      },
      body,
    });
    await res.arrayBuffer();
    return res.status;
  }

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    sql = new pg.Client({ connectionString: t.database?.url });
    await sql.connect();
    const client = createClient(WebhookService, createGrpcTransport({ baseUrl: t.url }));
    const { endpoint } = await client.createEndpoint(
      { provider: "github", connectorSlug: "github", secret: SECRET },
      { headers: { authorization: `Bearer ${t.adminKey}` } },
    );
    endpointId = endpoint?.id ?? "";
  }, 120_000);
  afterAll(async () => {
    await sql?.end();
    await t?.stop();
  });

  it("serves the main, events and jobs pools, each under its own label and no series without one", async () => {
    const samples = (await scrape()).filter((s) => s.name === CONNECTIONS || s.name === WAITING);
    const series = samples.map((s) => `${s.name}${JSON.stringify(s.labels)}`).sort();
    expect(series).toEqual(
      ["events", "jobs", "main"]
        .flatMap((pool) => [
          `${CONNECTIONS}{"pool":"${pool}","state":"idle"}`,
          `${CONNECTIONS}{"pool":"${pool}","state":"in_use"}`,
          `${WAITING}{"pool":"${pool}"}`,
        ])
        .sort(),
    );
    // Each reads its own pool: the main pool and pg-boss's hold connections once the server has started.
    const held = (samples: readonly Sample[], pool: string) =>
      connections(samples, pool, "in_use") + connections(samples, pool, "idle");
    expect(held(await scrape(), "main")).toBeGreaterThan(0);
    await expect.poll(async () => held(await scrape(), "jobs"), SLOW).toBeGreaterThan(0);
    // The event writer keeps its one connection between commits: idle, not in use, once a delivery is stored.
    expect(await deliver("pool-first")).toBe(204);
    const after = await scrape();
    expect(connections(after, "events", "idle")).toBe(1);
    expect(connections(after, "events", "in_use")).toBe(0);
    expect(sampleValue(after, WAITING, { pool: "events" })).toBe(0);
  }, 120_000);

  it("counts the deliveries waiting for the event writer's connection while its commit is held", async () => {
    // A lock the events INSERT waits behind: the writer's one commit stays in flight until it is let go.
    await sql.query("begin");
    await sql.query("lock table webhook_events in share mode");
    let answered: Promise<number[]> | undefined;
    try {
      const first = deliver("pool-held-1");
      await expect.poll(async () => connections(await scrape(), "events", "in_use"), SLOW).toBe(1);
      answered = Promise.all([first, deliver("pool-held-2"), deliver("pool-held-3")]);
      await expect.poll(async () => sampleValue(await scrape(), WAITING, { pool: "events" }), SLOW).toBe(2);
      // The main pool is not the one waiting.
      expect(sampleValue(await scrape(), WAITING, { pool: "main" })).toBe(0);
    } finally {
      await sql.query("rollback");
    }
    expect(await answered).toEqual([204, 204, 204]);
    const after = await scrape();
    expect(sampleValue(after, WAITING, { pool: "events" })).toBe(0);
    expect(connections(after, "events", "in_use")).toBe(0);
  }, 120_000);
});
