import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ConnectionService } from "../../gen/patchbay/v1/connection_pb.ts";
import { WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import type { ConnectorLookup } from "../../src/catalog/index.ts";
import { defineCommand, defineConnector, t } from "../../src/connectors/index.ts";
import { rowsOf } from "../../src/db/index.ts";
import { createCommandRunner } from "../../src/execute/index.ts";
import { eventPayloadContext } from "../../src/webhooks/endpoints/endpoint-row.ts";
import { DELIVERY_QUEUE, RETRY } from "../../src/webhooks/jobs/job-queue.ts";
import { startDeliveryWorker } from "../../src/webhooks/jobs/start-delivery-worker.ts";
import { type InProcess, startInProcess } from "../support/in-process.ts";

// Only the server's stop puts a job back with its attempt given back, never a failure code: a command
// target whose connector fails with the code SERVER_STOPPED, while no server stops, costs its job the
// attempt as any failure does.

const SLUG = "says-stopped";

/**
 * No connector a tenant can create chooses its failure code (a script's is dropped, an external
 * connector's is EXTERNAL_*, an OpenAPI-derived one's UPSTREAM_*): this built-in of the test's, run
 * for the script connector below, is the connector that does.
 */
const saysStopped = defineConnector({
  name: SLUG,
  version: "1.0.0",
  description: "Fails with the code a server's stop records.",
  authType: "none",
  commands: {
    forward: defineCommand({
      description: "Fails with the code SERVER_STOPPED.",
      params: { event: t.raw({ description: "The webhook event." }) },
      handler: () => ({ success: false, error: "the connector's own failure", errorCode: "SERVER_STOPPED" }),
    }),
  },
});

describe("the delivery worker: a connector's own SERVER_STOPPED code is a failure like any other", () => {
  let p: InProcess;
  let endpointId: string;
  const tenantId = "tenant-a";

  beforeAll(async () => {
    p = await startInProcess();
    const key = await p.createKey(["catalog:write", "connections", "webhooks:admin"], "alice", tenantId);
    const as = { headers: { authorization: `Bearer ${key}` } };
    await createClient(CatalogService, p.transport).createConnector(
      {
        name: SLUG,
        executionModel: "script",
        configSchema: {
          connectionConfig: { token: { type: "string", required: true, secret: true } },
          commands: { forward: { params: ["event"], description: "Forward an event", outputs: [] } },
        },
        scriptSource: "function forward() { return {}; }",
      },
      as,
    );
    const connections = createClient(ConnectionService, p.transport);
    const started = await connections.startConnection({ connectorSlug: SLUG }, as);
    const connectionId = started.connection?.id ?? "";
    await connections.submitCredentials({ id: connectionId, credentials: { token: "t-1" } }, as);
    const created = await createClient(WebhookService, p.transport).createEndpoint(
      {
        provider: "github",
        connectorSlug: "github",
        secret: "whsec-says-stopped",
        target: { kind: { case: "command", value: { connectionId, command: "forward" } } },
      },
      as,
    );
    endpointId = created.endpoint?.id ?? "";
    expect(endpointId).not.toBe("");
  }, 60_000);
  afterAll(async () => {
    await p?.close();
  });

  /** The job row's columns the test compares; `waits`: due more than half an hour later. */
  async function row(jobId: string): Promise<Record<string, unknown> | undefined> {
    const { rows } = await p.services.webhooks.query(
      `select state::text, retry_count, retry_limit, output->>'code' as code,
         start_after > now() + interval '30 minutes' as waits
         from pgboss.job where id = $1`,
      [jobId],
    );
    return rowsOf({ rows })[0];
  }

  /**
   * Receives one event for the endpoint, as the receiver stores it, with a job that may be retried
   * `retryLimit` times an hour apart; answers the job's id once a worker has made one attempt at it.
   */
  async function deliverOnce(retryLimit: number): Promise<string> {
    const webhooks = p.services.webhooks;
    const eventId = randomUUID();
    const jobId = randomUUID();
    await webhooks.writer.write({
      eventId,
      jobId,
      tenantId,
      endpointId,
      provider: "github",
      providerEventId: `delivery-${eventId}`,
      replayKey: null,
      eventKey: "issues.opened",
      sealedPayload: webhooks.secretBox.seal(
        JSON.stringify({ action: "opened" }),
        eventPayloadContext(eventId),
      ),
      receivedAt: new Date(),
      queue: DELIVERY_QUEUE,
      leaseSeconds: 120,
      targetKind: "command",
    });
    // An hour's backoff: the worker makes no second attempt before the test has read the first.
    await webhooks.query("update pgboss.job set retry_limit = $2, retry_delay = 3600 where id = $1", [
      jobId,
      retryLimit,
    ]);
    // Execute's own command runner, with the connection's connector run as the test's built-in.
    const lookup: ConnectorLookup = Object.assign(
      async (tenant: string, slug: string) => {
        const view = await p.services.execute.lookup(tenant, slug);
        return slug === SLUG && view !== undefined
          ? { ...view, executionModel: "built_in" as const, definition: saysStopped }
          : view;
      },
      { forget: (slug?: string) => p.services.execute.lookup.forget(slug) },
    );
    const worker = await startDeliveryWorker(
      webhooks,
      createCommandRunner({ ...p.services.execute, lookup }),
    );
    try {
      await expect
        .poll(async () => (await row(jobId))?.state, { timeout: 60_000 })
        .not.toMatch(/^(created|active)$/);
    } finally {
      await worker.stop();
    }
    return jobId;
  }

  it("retries the job after its backoff with one attempt fewer left, not put back as a stop's", async () => {
    const jobId = await deliverOnce(RETRY.retryLimit);
    // A stop's put-back would allow one more attempt (retry_limit 8) and be due 5 s later.
    expect(await row(jobId)).toEqual({
      state: "retry",
      retry_count: 0,
      retry_limit: RETRY.retryLimit,
      code: "SERVER_STOPPED",
      waits: true,
    });
    // Its next claim is its second attempt: the first was spent.
    await p.services.webhooks.jobs.boss.update(DELIVERY_QUEUE, undefined, { id: jobId, startAfter: 0 });
    const [again] = await p.services.webhooks.jobs.boss.fetch(DELIVERY_QUEUE, {
      batchSize: 1,
      includeMetadata: true,
    });
    expect(again?.id).toBe(jobId);
    expect((again?.retryLimit ?? 0) - (again?.retryCount ?? 0)).toBe(RETRY.retryLimit - 1);
    await p.services.webhooks.jobs.boss.complete(DELIVERY_QUEUE, jobId);
  }, 120_000);

  it("leaves a job whose last attempt it was dead, not given that attempt back", async () => {
    const jobId = await deliverOnce(0);
    expect(await row(jobId)).toEqual({
      state: "failed",
      retry_count: 0,
      retry_limit: 0,
      code: "SERVER_STOPPED",
      waits: false,
    });
  }, 120_000);
});
