import { once } from "node:events";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { sign } from "@octokit/webhooks-methods";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/health/v1/health_pb.ts";
import { WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import { loadConfig } from "../../src/config.ts";
import { bearer, grpc, loadPatchbayProtos, unary } from "../support/grpc-js-client.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const SECRET = "graceful-drain-webhook-secret";
/**
 * Long enough that the checks made "during the delay" finish well inside it on a loaded machine; the test
 * also checks that they did (the next phase's log line had not been written yet).
 */
const DRAIN_DELAY_MS = 15_000;
const PHASE_DELAY = "stopping: not ready; serving until load balancers have noticed";
const PHASE_REFUSE = "stopping: refusing new connections; draining in-flight calls";
const PHASE_DRAINED = "stopping: connections closed; stopping background work";

type GrpcClient = grpc.Client;
const patchbay = loadPatchbayProtos() as unknown as {
  patchbay: { v1: Record<string, typeof grpc.Client> };
};

/** A grpc-js client on its own channel, so its first call opens a new connection. */
function grpcClient(url: string, service: string): GrpcClient {
  const Service = patchbay.patchbay.v1[service];
  if (Service === undefined) throw new Error(`no service ${service}`);
  return new Service(new URL(url).host, grpc.credentials.createInsecure(), {
    // Never share a channel (and its connection) with another client in this file.
    "grpc.use_local_subchannel_pool": 1,
  });
}

/** Settles to "ECONNREFUSED" (or another error code) or "connected". */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** A signed GitHub delivery over HTTP/1.1 (kept-alive agent); answers its status and Connection header. */
function deliver(
  baseUrl: string,
  endpointId: string,
  delivery: string,
  agent: http.Agent,
): Promise<{ status: number; connection: string | undefined }> {
  // Its own body, so its own signature: GitHub's delivery id is not signed, and a repeated signature is
  // stored once.
  const body = JSON.stringify({ action: "opened", issue: { title: delivery }, repository: { id: 1 } });
  return sign(SECRET, body).then(
    (signature) =>
      new Promise((resolve, reject) => {
        const req = http.request(
          `${baseUrl}/api/v1/connectors/webhooks/github/${endpointId}`,
          {
            method: "POST",
            agent,
            headers: {
              "content-type": "application/json",
              "x-github-event": "issues",
              "x-github-delivery": delivery,
              "x-hub-signature-256": signature,
            },
          },
          (res) => {
            res.resume();
            res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
          },
        );
        req.on("error", reject);
        req.end(body);
      }),
  );
}

/** Statements of the database waiting for a lock now. */
async function waitingOnLocks(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
    );
    return (rows[0] as { n: number }).n;
  } finally {
    await client.end();
  }
}

describe("graceful stop on postgresql: not ready first, serve through the drain delay, then drain", () => {
  let t: TestServer;
  let sql: pg.Client;

  beforeAll(async () => {
    t = await startTestServer("postgresql", {
      PATCHBAY_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
      // The held calls below wait on a table lock until the test releases it: no timeout may end them.
      PATCHBAY_SHUTDOWN_TIMEOUT_MS: "120000",
      PATCHBAY_DB_STATEMENT_TIMEOUT_MS: "300000",
    });
    sql = new pg.Client({ connectionString: t.database?.url });
    await sql.connect();
  }, 120_000);
  afterAll(async () => {
    await sql?.query("rollback").catch(() => undefined);
    await sql?.end();
    await t?.stop();
  }, 180_000);

  it("answers 503 and NOT_SERVING but serves new connections during the delay, then refuses new connections and lets held calls finish", async () => {
    const webhooks = createClient(WebhookService, createGrpcTransport({ baseUrl: t.url }));
    const { endpoint } = await webhooks.createEndpoint(
      { provider: "github", connectorSlug: "github", secret: SECRET },
      { headers: { authorization: `Bearer ${t.adminKey}` } },
    );
    const endpointId = endpoint?.id ?? "";
    const agent = new http.Agent({ keepAlive: true });
    expect(await deliver(t.url, endpointId, "before-1", agent)).toEqual({
      status: 204,
      connection: "keep-alive",
    });

    // Two calls held in flight across the whole stop by a lock on the events table: a webhook delivery
    // over HTTP/1.1 and a ListEvents over gRPC on a connection opened before the stop.
    await sql.query("begin");
    await sql.query("lock table webhook_events in access exclusive mode");
    const heldDelivery = deliver(t.url, endpointId, "held-1", agent);
    const early = grpcClient(t.url, "WebhookService");
    const heldList = unary<{ events?: { providerEventId: string }[] }>(
      early,
      "listEvents",
      { endpointId },
      bearer(t.adminKey),
    );
    let heldSettled = false;
    void Promise.allSettled([heldDelivery, heldList]).then(() => {
      heldSettled = true;
    });
    // Watched from another session: the lock holder's transaction sees one snapshot of pg_stat_activity.
    await expect.poll(() => waitingOnLocks(t.database?.url ?? "")).toBe(2);

    // An HTTP/2 connection opened before the stop: it hears GOAWAY only once the delay is over.
    const session = http2.connect(t.url);
    let goaway = false;
    session.on("goaway", () => {
      goaway = true;
    });
    session.on("error", () => undefined);
    const probe = session.request({ ":path": "/healthz" });
    probe.resume();
    await once(probe, "end");

    const stopped = t.server.stop();

    // The delay: not ready at once, yet every kind of call, on new connections too, is served.
    const readyz = await fetch(`${t.url}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toEqual({ status: "not_ready" });
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const health = createClient(Health, createGrpcTransport({ baseUrl: t.url }));
    await expect
      .poll(async () => (await health.check({ service: "" })).status)
      .toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);
    expect((await health.check({ service: "patchbay.v1.ExecuteService" })).status).toBe(
      HealthCheckResponse_ServingStatus.NOT_SERVING,
    );
    const catalog = grpcClient(t.url, "CatalogService");
    const listed = await unary<{ connectors?: { slug: string }[] }>(
      catalog,
      "listConnectors",
      { pageSize: 100 },
      bearer(t.adminKey),
    );
    expect(listed.response.connectors?.map((c) => c.slug)).toContain("echo");
    const execute = grpcClient(t.url, "ExecuteService");
    const echoed = await unary<{ payload?: { fields?: Record<string, unknown> } }>(
      execute,
      "execute",
      {
        connectorSlug: "echo",
        command: "echo",
        params: { fields: { message: { stringValue: "still serving" } } },
      },
      bearer(t.adminKey),
    );
    expect(JSON.stringify(echoed.response.payload)).toContain("still serving");
    expect(await connectOutcome(t.port)).toBe("connected");
    expect(goaway).toBe(false);
    expect(heldSettled).toBe(false);
    // All of the above happened inside the delay: the next phase has not begun.
    expect(t.logs.text()).toContain(PHASE_DELAY);
    expect(t.logs.text()).not.toContain(PHASE_REFUSE);

    // After the delay: GOAWAY on open HTTP/2 connections, new connections refused.
    await expect.poll(() => t.logs.text(), { timeout: DRAIN_DELAY_MS * 6 }).toContain(PHASE_REFUSE);
    expect(await connectOutcome(t.port)).toBe("ECONNREFUSED");
    await expect.poll(() => goaway).toBe(true);
    const late = grpcClient(t.url, "CatalogService");
    await expect(unary(late, "listConnectors", { pageSize: 1 }, bearer(t.adminKey))).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
    // The calls in flight are still being waited for; the stop has not finished.
    expect(heldSettled).toBe(false);
    expect(t.logs.text()).not.toContain(PHASE_DRAINED);

    // Released, they finish.
    await sql.query("commit");
    expect((await heldDelivery).status).toBe(204);
    // It read after the lock was gone, with or without the delivery committed beside it.
    expect((await heldList).response.events?.map((e) => e.providerEventId)).toContain("before-1");
    await stopped;
    const messages = t.logs
      .lines()
      .map((line) => line.msg)
      .filter((msg) => typeof msg === "string" && msg.startsWith("stop"));
    expect(messages).toEqual([PHASE_DELAY, PHASE_REFUSE, PHASE_DRAINED, "stopped"]);
    const stored = await sql.query("select count(*)::int as n from webhook_events where endpoint_id = $1", [
      endpointId,
    ]);
    expect((stored.rows[0] as { n: number }).n).toBe(2);
    for (const client of [early, catalog, execute, late]) client.close();
    session.destroy();
    agent.destroy();
  }, 180_000);
});

describe("PATCHBAY_DRAIN_DELAY_MS", () => {
  const base = { PATCHBAY_MASTER_KEY: Buffer.alloc(32, 7).toString("base64") };

  it("defaults to 5 s with a database server (replicas behind a load balancer) and 0 on the embedded database", () => {
    expect(loadConfig({ ...base, DATABASE_URL: "postgres://db.example/patchbay" }, false).drainDelayMs).toBe(
      5000,
    );
    expect(loadConfig({}, false).drainDelayMs).toBe(0);
  });

  it("takes whole milliseconds from 0 to 600000 and names itself when refused", () => {
    expect(loadConfig({ PATCHBAY_DRAIN_DELAY_MS: "0" }, false).drainDelayMs).toBe(0);
    expect(loadConfig({ PATCHBAY_DRAIN_DELAY_MS: "600000" }, false).drainDelayMs).toBe(600_000);
    expect(() => loadConfig({ PATCHBAY_DRAIN_DELAY_MS: "5s" }, false)).toThrow(
      'PATCHBAY_DRAIN_DELAY_MS must be a whole number from 0 to 600000 (got "5s")',
    );
    expect(() => loadConfig({ PATCHBAY_DRAIN_DELAY_MS: "600001" }, false)).toThrow(
      /^PATCHBAY_DRAIN_DELAY_MS must be a whole number/,
    );
  });
});
