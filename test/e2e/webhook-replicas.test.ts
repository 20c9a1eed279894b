import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { sign } from "@octokit/webhooks-methods";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { type RunningServer, startServer } from "../../src/server/start-server.ts";
import { ENDPOINT_CHANNEL } from "../../src/webhooks/endpoints/endpoint-store.ts";
import { LogCapture } from "../support/log-capture.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const OLD_SECRET = "replica-test-old-secret";
const NEW_SECRET = "replica-test-new-secret";
/** Senders that keep delivering to the replica making a change while it makes it. */
const SENDERS = 8;

// Issue 16, 5.1: an endpoint change made on one replica reaches every other replica (as API-key
// revocations do) instead of waiting out their caches. Two servers in one process on one database: the
// webhook feature keeps nothing at module level, so each has its own cache, listener and writer.
describe("webhook endpoint changes across two replicas on postgresql", () => {
  let a: TestServer;
  let b: RunningServer;
  let sql: pg.Client;
  /** Endpoint ids announced on the channel, as a third process LISTENing hears them. */
  const announced: string[] = [];
  let serial = 0;
  const headers = () => ({ authorization: `Bearer ${a.adminKey}` });
  const client = () => createClient(WebhookService, createGrpcTransport({ baseUrl: a.url }));

  /** POSTs a distinct signed GitHub delivery (its own body, so its own signature) and answers the status. */
  async function deliver(base: string, endpointId: string, secret: string): Promise<number> {
    serial += 1;
    const body = JSON.stringify({ action: "opened", issue: { number: serial }, repository: { id: 1 } });
    const response = await fetch(`${base}/api/v1/connectors/webhooks/github/${endpointId}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-github-delivery": `delivery-${serial}`,
        "x-hub-signature-256": await sign(secret, body),
      },
      body,
    });
    await response.arrayBuffer();
    return response.status;
  }

  const stored = async (endpointId: string): Promise<number> => {
    const { rows } = await sql.query("select count(*)::int as n from webhook_events where endpoint_id = $1", [
      endpointId,
    ]);
    return (rows[0] as { n: number }).n;
  };

  async function createEndpoint(): Promise<string> {
    const { endpoint } = await client().createEndpoint(
      { provider: "github", connectorSlug: "github", secret: OLD_SECRET },
      { headers: headers() },
    );
    return endpoint?.id ?? "";
  }

  /**
   * Keeps SENDERS senders delivering to replica A with `secret` while `change` runs, and answers the
   * statuses of the deliveries each sender began after `change` was answered (three per sender).
   */
  async function whileSending(endpointId: string, change: () => Promise<unknown>): Promise<number[]> {
    let answered = false;
    const after: number[] = [];
    const sender = async () => {
      for (let seen = 0; seen < 3; ) {
        const began = answered;
        const status = await deliver(a.url, endpointId, OLD_SECRET);
        if (began) {
          after.push(status);
          seen += 1;
        }
      }
    };
    const senders = Array.from({ length: SENDERS }, sender);
    // Deliveries are in flight when the change is made.
    await expect.poll(() => serial).toBeGreaterThan(SENDERS * 2);
    await change();
    answered = true;
    await Promise.all(senders);
    return after;
  }

  beforeAll(async () => {
    a = await startTestServer("postgresql", { PATCHBAY_PUBLIC_URL: "https://hooks.example.test" });
    b = await startServer(loadConfig(a.env, false), {
      logger: createLogger({ level: "warn", format: "json", destination: new LogCapture().stream }),
      notice: () => undefined,
    });
    sql = new pg.Client({ connectionString: a.database?.url });
    await sql.connect();
    sql.on("notification", (message) => announced.push(message.payload ?? ""));
    await sql.query(`listen ${ENDPOINT_CHANNEL}`);
  }, 120_000);
  afterAll(async () => {
    await sql?.end();
    await b?.stop();
    await a?.stop();
  });

  it("serves a busy endpoint from each replica's cache: a change made past the API is not seen at once", async () => {
    const id = await createEndpoint();
    expect(await deliver(b.url, id, OLD_SECRET)).toBe(204);
    await sql.query("update webhook_endpoints set deleted_at = now() where id = $1", [id]);
    expect(await deliver(b.url, id, OLD_SECRET)).toBe(204);
    await sql.query("update webhook_endpoints set deleted_at = null where id = $1", [id]);
  });

  it("refuses a rotated-out secret on the other replica once NOTIFY arrives, and stores nothing signed with it after the answer", async () => {
    const id = await createEndpoint();
    // Both replicas hold the endpoint with its old secret.
    expect(await deliver(a.url, id, OLD_SECRET)).toBe(204);
    expect(await deliver(b.url, id, OLD_SECRET)).toBe(204);

    let storedAtAnswer = -1;
    const after = await whileSending(id, async () => {
      await client().rotateEndpointSecret(
        { endpointId: id, secret: NEW_SECRET, gracePeriodSeconds: 0 },
        { headers: headers() },
      );
      storedAtAnswer = await stored(id);
    });
    // On the replica that made the change: every delivery begun after the answer is refused, and the
    // deliveries in flight when it was made were committed before it was answered.
    expect(new Set(after)).toEqual(new Set([401]));
    expect(after).toHaveLength(SENDERS * 3);
    expect(await stored(id)).toBe(storedAtAnswer);

    // Announced to every replica; the other one refuses the old secret as soon as it has heard it (its
    // cache would otherwise keep the endpoint for a minute).
    await expect.poll(() => announced).toContain(id);
    await expect.poll(() => deliver(b.url, id, OLD_SECRET)).toBe(401);
    const settled = await stored(id);
    for (let i = 0; i < 5; i++) expect(await deliver(b.url, id, OLD_SECRET)).toBe(401);
    expect(await stored(id)).toBe(settled);
    expect(await deliver(b.url, id, NEW_SECRET)).toBe(204);
    expect(await deliver(a.url, id, NEW_SECRET)).toBe(204);
    expect(await stored(id)).toBe(settled + 2);
  });

  it("answers a deletion only once a delivery that saw the endpoint before it is committed", async () => {
    const id = await createEndpoint();
    expect(await deliver(a.url, id, OLD_SECRET)).toBe(204);
    // A delivery verified against the live endpoint, held at its INSERT by a lock on the events table.
    const locker = new pg.Client({ connectionString: a.database?.url });
    await locker.connect();
    try {
      await locker.query("begin");
      await locker.query("lock table webhook_events in share mode");
      const held = deliver(a.url, id, OLD_SECRET);
      await expect
        .poll(async () => {
          const { rows } = await sql.query(
            "select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like 'insert into webhook_events%'",
          );
          return (rows[0] as { n: number }).n;
        })
        .toBe(1);
      let answered = false;
      const deletion = client()
        .deleteEndpoint({ endpointId: id }, { headers: headers() })
        .then(() => {
          answered = true;
        });
      // The deletion is committed (and announced), but not answered while the delivery is in flight.
      await expect.poll(() => announced).toContain(id);
      const notYet = await Promise.race([
        deletion.then(() => "answered"),
        new Promise((resolve) => setTimeout(() => resolve("waiting"), 1_000)),
      ]);
      expect(notYet).toBe("waiting");
      await locker.query("commit");
      await deletion;
      const storedAtAnswer = await stored(id);
      expect(await held).toBe(204);
      expect(answered).toBe(true);
      expect(storedAtAnswer).toBe(2);
      expect(await stored(id)).toBe(2);
    } finally {
      await locker.end();
    }
  });

  it("answers a deleted endpoint 404 on the other replica once NOTIFY arrives, and stores nothing after the answer", async () => {
    const id = await createEndpoint();
    const shouted = id.toUpperCase();
    // Both replicas hold the endpoint, under both spellings of its id.
    for (const base of [a.url, b.url]) {
      expect(await deliver(base, id, OLD_SECRET)).toBe(204);
      expect(await deliver(base, shouted, OLD_SECRET)).toBe(204);
    }

    let storedAtAnswer = -1;
    const after = await whileSending(id, async () => {
      await client().deleteEndpoint({ endpointId: id }, { headers: headers() });
      storedAtAnswer = await stored(id);
    });
    expect(new Set(after)).toEqual(new Set([404]));
    expect(await stored(id)).toBe(storedAtAnswer);
    expect(await deliver(a.url, shouted, OLD_SECRET)).toBe(404);

    await expect.poll(() => announced).toContain(id);
    await expect.poll(() => deliver(b.url, id, OLD_SECRET)).toBe(404);
    expect(await deliver(b.url, shouted, OLD_SECRET)).toBe(404);
    for (let i = 0; i < 5; i++) expect(await deliver(b.url, id, OLD_SECRET)).toBe(404);
    expect(await stored(id)).toBe(storedAtAnswer);
  });
});
