import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { sign } from "@octokit/webhooks-methods";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import { parsePrometheusText, type Sample, sampleValue } from "../support/prometheus-text.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const SECRET = "webhook-metrics-secret";
const SIGNING_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const RECEIVED = "patchbay_webhook_received_total";
const TARGETS = "patchbay_webhook_target_deliveries_total";
/** Generous bounds for what the delivery worker and pg-boss's backoff do on a loaded machine. */
const SLOW = { timeout: 90_000, interval: 250 };

/**
 * A target on loopback: `/ok` answers 204, `/fail` 500, and `/hold` 204 once released; each path's
 * requests are counted.
 */
async function startTarget(): Promise<{
  url: string;
  hits: Map<string, number>;
  /** Answers the held requests. */
  release(): void;
  close(): Promise<void>;
}> {
  const hits = new Map<string, number>();
  const held: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const path = req.url ?? "/";
      hits.set(path, (hits.get(path) ?? 0) + 1);
      if (path === "/hold") held.push(() => res.writeHead(204).end());
      else res.writeHead(path === "/ok" ? 204 : 500).end();
    });
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    release: () => {
      for (const answer of held.splice(0)) answer();
    },
    close: () =>
      new Promise<void>((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
}

// The webhook feature's metrics after real signed GitHub deliveries: the receiver's outcomes and
// rejections by reason, verification time, events stored, the job gauges read from the jobs table, and
// deliveries to HTTPS targets on loopback by result, up to a dead job.
describe("webhook metrics", () => {
  let t: TestServer;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let sql: pg.Client;
  const headers = () => ({ authorization: `Bearer ${t.adminKey}` });
  const client = () => createClient(WebhookService, createGrpcTransport({ baseUrl: t.url }));
  const scrapeText = async (): Promise<string> => {
    const res = await fetch(`${t.url}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };
  const scrape = async (): Promise<Sample[]> => parsePrometheusText(await scrapeText());
  const value = async (name: string, labels: Record<string, string>) =>
    sampleValue(await scrape(), name, labels);

  /** POSTs a GitHub delivery of issue `number` under `delivery`, signed with `secret` (unsigned when ""). */
  async function deliver(
    provider: string,
    endpointId: string,
    delivery: string,
    number: number,
    secret: string,
  ): Promise<number> {
    const body = JSON.stringify({ action: "opened", issue: { number }, repository: { id: 1 } });
    const signature = secret === "" ? {} : { "x-hub-signature-256": await sign(secret, body) };
    const res = await fetch(`${t.url}/api/v1/connectors/webhooks/${provider}/${endpointId}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-github-delivery": delivery,
        ...signature,
      },
      body,
    });
    await res.arrayBuffer();
    return res.status;
  }

  async function createEndpoint(path?: string): Promise<string> {
    const { endpoint } = await client().createEndpoint(
      {
        provider: "github",
        connectorSlug: "github",
        secret: SECRET,
        ...(path === undefined
          ? {}
          : {
              target: {
                kind: {
                  case: "https",
                  value: { url: `${target.url}${path}`, signingSecret: SIGNING_SECRET },
                },
              },
            }),
      },
      { headers: headers() },
    );
    return endpoint?.id ?? "";
  }

  beforeAll(async () => {
    target = await startTarget();
    t = await startTestServer("postgresql", { PATCHBAY_JOB_SUPERVISE_S: "1" });
    sql = new pg.Client({ connectionString: t.database?.url });
    await sql.connect();
  }, 120_000);
  afterAll(async () => {
    await sql?.end();
    await t?.stop();
    await target?.close();
  });

  it("counts deliveries by outcome and rejection reason, events stored, and a delivery to an HTTPS target", async () => {
    const before = await scrape();
    const id = await createEndpoint("/hold");
    expect(await deliver("github", id, "m-1", 1, SECRET)).toBe(204);
    // The same delivery id again: answered, not stored.
    expect(await deliver("github", id, "m-1", 1, SECRET)).toBe(204);
    expect(await deliver("github", id, "m-3", 3, "not-the-secret")).toBe(401);
    expect(await deliver("github", id, "m-4", 4, "")).toBe(401);
    expect(await deliver("github", randomUUID(), "m-5", 5, SECRET)).toBe(404);
    // A provider that does not exist: the caller's text never becomes a label.
    expect(await deliver("no-such-provider-xyz", id, "m-6", 6, SECRET)).toBe(404);

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    const github = { provider: "github" };
    expect(moved(RECEIVED, { ...github, outcome: "accepted" })).toBe(1);
    expect(moved(RECEIVED, { ...github, outcome: "duplicate" })).toBe(1);
    expect(moved(RECEIVED, { ...github, outcome: "rejected", reason: "signature" })).toBe(1);
    expect(moved(RECEIVED, { ...github, outcome: "rejected", reason: "signature_missing" })).toBe(1);
    expect(moved(RECEIVED, { ...github, outcome: "rejected", reason: "unknown_endpoint" })).toBe(1);
    // The accepted, the duplicate and the two refused deliveries were verified; the unknown endpoint's not.
    expect(moved("patchbay_webhook_verification_duration_seconds_count", github)).toBe(4);
    expect(moved("patchbay_webhook_events_stored_total", github)).toBe(1);
    const text = await scrapeText();
    expect(text).not.toContain("no-such-provider-xyz");
    expect(text).not.toContain(id);

    // The event's job runs while the target holds its answer (a reading taken after the delivery)...
    const jobs = (samples: readonly Sample[], state: string) =>
      sampleValue(samples, "patchbay_webhook_jobs", { queue: "delivery", state });
    await expect.poll(async () => jobs(await scrape(), "running"), SLOW).toBe(1);
    target.release();
    // ...then succeeds once, and a later reading finds the delivery queue drained.
    const success = { target: "https", result: "success" };
    await expect
      .poll(async () => (await value(TARGETS, success)) - sampleValue(before, TARGETS, success), SLOW)
      .toBe(1);
    await expect.poll(async () => jobs(await scrape(), "running"), SLOW).toBe(0);
    const drained = await scrape();
    for (const state of ["queued", "retrying", "dead"]) expect(jobs(drained, state), state).toBe(0);
    expect(sampleValue(drained, "patchbay_webhook_queue_depth", { queue: "delivery" })).toBe(0);
    expect(sampleValue(drained, "patchbay_webhook_queue_oldest_age_seconds", { queue: "delivery" })).toBe(0);
  }, 120_000);

  it("counts Meta's subscription handshakes, answered and refused", async () => {
    const before = await scrape();
    const { endpoint } = await client().createEndpoint(
      {
        provider: "whatsapp",
        connectorSlug: "whatsapp",
        secret: "meta-app-secret",
        verifyToken: "right-token",
      },
      { headers: headers() },
    );
    const path = `/api/v1/connectors/webhooks/whatsapp/${endpoint?.id}?hub.mode=subscribe&hub.challenge=42`;
    const wrong = await fetch(`${t.url}${path}&hub.verify_token=wrong-token`);
    expect(wrong.status).toBe(403);
    await wrong.arrayBuffer();
    const right = await fetch(`${t.url}${path}&hub.verify_token=right-token`);
    expect(await right.text()).toBe("42");
    const after = await scrape();
    const moved = (labels: Record<string, string>) =>
      sampleValue(after, RECEIVED, { provider: "whatsapp", ...labels }) -
      sampleValue(before, RECEIVED, { provider: "whatsapp", ...labels });
    expect(moved({ outcome: "rejected", reason: "handshake_failed" })).toBe(1);
    expect(moved({ outcome: "handshake" })).toBe(1);
  });

  it("reads a pull endpoint's waiting job from the jobs table until it is claimed and acked", async () => {
    const id = await createEndpoint();
    expect(await deliver("github", id, "p-1", 11, SECRET)).toBe(204);
    await expect.poll(() => value("patchbay_webhook_jobs", { queue: "pull", state: "queued" }), SLOW).toBe(1);
    await expect.poll(() => value("patchbay_webhook_queue_depth", { queue: "pull" }), SLOW).toBe(1);
    // The job's wait shows as its age (the database's clock), once a later read sees it older.
    await expect
      .poll(() => value("patchbay_webhook_queue_oldest_age_seconds", { queue: "pull" }), SLOW)
      .toBeGreaterThan(0);

    const { jobs } = await client().claimJobs({ endpointId: id, maxJobs: 5 }, { headers: headers() });
    expect(jobs).toHaveLength(1);
    await expect
      .poll(() => value("patchbay_webhook_jobs", { queue: "pull", state: "running" }), SLOW)
      .toBe(1);
    await client().ackJob(
      { jobId: jobs[0]?.job?.id ?? "", leaseToken: jobs[0]?.leaseToken ?? "" },
      { headers: headers() },
    );
    await expect
      .poll(() => value("patchbay_webhook_jobs", { queue: "pull", state: "running" }), SLOW)
      .toBe(0);
    const settled = await scrape();
    expect(sampleValue(settled, "patchbay_webhook_jobs", { queue: "pull", state: "queued" })).toBe(0);
    expect(sampleValue(settled, "patchbay_webhook_queue_depth", { queue: "pull" })).toBe(0);
    expect(sampleValue(settled, "patchbay_webhook_queue_oldest_age_seconds", { queue: "pull" })).toBe(0);
  }, 120_000);

  it("counts a failing target's attempts as retries until the job is dead", async () => {
    const before = await scrape();
    const id = await createEndpoint("/fail");
    expect(await deliver("github", id, "f-1", 21, SECRET)).toBe(204);
    const moved = async (result: string) =>
      (await value(TARGETS, { target: "https", result })) -
      sampleValue(before, TARGETS, { target: "https", result });
    await expect.poll(() => moved("retry"), SLOW).toBeGreaterThanOrEqual(1);
    await expect
      .poll(() => value("patchbay_webhook_jobs", { queue: "delivery", state: "retrying" }), SLOW)
      .toBe(1);
    // One attempt left: the next failure makes the job dead (set while it waits out its backoff).
    const { jobs } = await client().listJobs({ endpointId: id }, { headers: headers() });
    const jobId = jobs[0]?.id ?? "";
    await expect
      .poll(async () => {
        const updated = await sql.query(
          "update pgboss.job set retry_limit = retry_count + 1 where id = $1 and state = 'retry'",
          [jobId],
        );
        return updated.rowCount;
      }, SLOW)
      .toBe(1);
    await expect.poll(() => moved("dead"), SLOW).toBe(1);
    await expect
      .poll(() => value("patchbay_webhook_jobs", { queue: "delivery", state: "dead" }), SLOW)
      .toBe(1);
    // Every attempt the target saw was counted once: each a retry but the last.
    expect((await moved("retry")) + 1).toBe(target.hits.get("/fail"));
    const dead = await client().listJobs({ endpointId: id }, { headers: headers() });
    expect(dead.jobs[0]?.state).toBe("dead");
  }, 180_000);
});
