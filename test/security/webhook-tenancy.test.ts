import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { sign } from "@octokit/webhooks-methods";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionService } from "../../gen/patchbay/v1/connection_pb.ts";
import { type ClaimedJob, WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// Issue 16, 1.4: who may read and act on webhook endpoints, events and jobs. The decision (docs/webhooks.md,
// "Who may see what"): tenant-wide, guarded by scopes. Another tenant sees and touches nothing, not even
// with `admin`; within the tenant every key with `webhooks:admin` manages every endpoint and its jobs
// whoever created it, payloads only with `webhooks:payload`, and keys without `webhooks:admin` nothing.

const SECRET = "tenancy-test-github-secret";

/** The code a call is refused with, or "ok" when it succeeds. */
async function outcome(call: () => Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call();
    return "ok";
  } catch (error) {
    if (error instanceof ConnectError) return error.code;
    throw error;
  }
}

describe("webhook endpoints, events and jobs between and within tenants", () => {
  let t: TestServer;
  let sql: pg.Client;
  const keys = { alice: "", worker: "", auditor: "", bob: "", mallory: "", malloryAdmin: "" };
  let aliceConnection = "";
  let endpoint = "";
  let claimed: ClaimedJob | undefined;
  let deadJob = "";
  const transport = () => createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" });
  const as = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
  const webhooks = () => createClient(WebhookService, transport());
  let serial = 0;

  async function deliver(endpointId: string): Promise<number> {
    serial += 1;
    const body = JSON.stringify({ action: "opened", issue: { number: serial, title: "private" } });
    const response = await fetch(`${t.url}/api/v1/connectors/webhooks/github/${endpointId}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": await sign(SECRET, body),
      },
      body,
    });
    await response.arrayBuffer();
    return response.status;
  }

  const jobStates = async (endpointId: string) => {
    const { rows } = await sql.query(
      "select state::text as state from pgboss.job where data->>'endpointId' = $1",
      [endpointId],
    );
    return rows.map((row: { state: string }) => row.state);
  };

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    sql = new pg.Client({ connectionString: t.database?.url });
    await sql.connect();
    const webhookScopes = ["webhooks:admin", "webhooks:payload"];
    keys.alice = await t.createKey([...webhookScopes, "connections", "execute"], "alice", "tenant-a");
    keys.worker = await t.createKey(["webhooks:admin"], "jobs-worker", "tenant-a");
    keys.auditor = await t.createKey(webhookScopes, "auditor", "tenant-a");
    keys.bob = await t.createKey(["connections", "execute", "catalog:read"], "bob", "tenant-a");
    // The attacker: another tenant, and even a subject of the same name.
    keys.mallory = await t.createKey(webhookScopes, "alice", "tenant-b");
    keys.malloryAdmin = await t.createKey(["admin"], "mallory-admin", "tenant-b");

    const connections = createClient(ConnectionService, transport());
    const started = await connections.startConnection({ connectorSlug: "placeholder-api" }, as(keys.alice));
    aliceConnection = started.connection?.id ?? "";
    // Alice's endpoint, tied to her connection, with three events: one claimed, one dead, one queued.
    const created = await webhooks().createEndpoint(
      { provider: "github", connectorSlug: "github", secret: SECRET, connectionId: aliceConnection },
      as(keys.alice),
    );
    endpoint = created.endpoint?.id ?? "";
    for (let i = 0; i < 3; i++) expect(await deliver(endpoint)).toBe(204);
    const { jobs } = await webhooks().claimJobs({ endpointId: endpoint, maxJobs: 2 }, as(keys.alice));
    expect(jobs).toHaveLength(2);
    claimed = jobs[0];
    deadJob = jobs[1]?.job?.id ?? "";
    await sql.query("update pgboss.job set state = 'failed' where id = $1", [deadJob]);
  });
  afterAll(async () => {
    await sql?.end();
    await t?.stop();
  });

  it("shows another tenant nothing, not even to its admin key", async () => {
    for (const key of [keys.mallory, keys.malloryAdmin]) {
      const listed = await webhooks().listEndpoints({}, as(key));
      expect(listed.endpoints).toEqual([]);
      expect(await outcome(() => webhooks().getEndpoint({ endpointId: endpoint }, as(key)))).toBe(
        Code.NotFound,
      );
      expect(await outcome(() => webhooks().listEvents({ endpointId: endpoint }, as(key)))).toBe(
        Code.NotFound,
      );
      for (const filter of [{}, { endpointId: endpoint }, { state: "dead" }, { state: "running" }]) {
        expect((await webhooks().listJobs(filter, as(key))).jobs).toEqual([]);
      }
    }
    // Over REST as well (the admin page's calls).
    for (const path of [
      `/api/v1/webhook-endpoints/${endpoint}`,
      `/api/v1/webhook-endpoints/${endpoint}/events`,
    ]) {
      const response = await fetch(`${t.url}${path}`, as(keys.malloryAdmin));
      expect(response.status, path).toBe(404);
    }
    const jobs = await fetch(`${t.url}/api/v1/jobs`, as(keys.malloryAdmin));
    expect(await jobs.json()).toEqual({ jobs: [], nextPageToken: "" });
  });

  it("lets another tenant neither change the endpoint nor claim, settle or retry its jobs", async () => {
    const job = claimed?.job?.id ?? "";
    const leaseToken = claimed?.leaseToken ?? "";
    for (const key of [keys.mallory, keys.malloryAdmin]) {
      const calls: [string, () => Promise<unknown>][] = [
        ["delete", () => webhooks().deleteEndpoint({ endpointId: endpoint }, as(key))],
        [
          "rotate",
          () => webhooks().rotateEndpointSecret({ endpointId: endpoint, secret: "taken-over" }, as(key)),
        ],
        ["claim one", () => webhooks().claimJobs({ endpointId: endpoint }, as(key))],
        // The lease token is the real one: knowing it is not enough.
        ["ack", () => webhooks().ackJob({ jobId: job, leaseToken }, as(key))],
        ["nack", () => webhooks().nackJob({ jobId: job, leaseToken }, as(key))],
        ["retry", () => webhooks().retryJob({ jobId: deadJob }, as(key))],
      ];
      for (const [name, call] of calls) expect(await outcome(call), name).toBe(Code.NotFound);
      expect((await webhooks().claimJobs({ maxJobs: 100 }, as(key))).jobs).toEqual([]);
      // Nor tie an endpoint of its own to the tenant's connection, or run its events on it.
      const tied = () =>
        webhooks().createEndpoint(
          { provider: "github", connectorSlug: "github", secret: SECRET, connectionId: aliceConnection },
          as(key),
        );
      const command = () =>
        webhooks().createEndpoint(
          {
            provider: "github",
            connectorSlug: "github",
            secret: SECRET,
            target: { kind: { case: "command", value: { connectionId: aliceConnection, command: "ping" } } },
          },
          as(key),
        );
      expect(await outcome(tied)).toBe(Code.InvalidArgument);
      expect(await outcome(command)).toBe(Code.InvalidArgument);
    }
    // Everything is as it was: the endpoint verifies with its secret, the jobs are untouched.
    expect((await jobStates(endpoint)).sort()).toEqual(["active", "created", "failed"]);
    expect(await deliver(endpoint)).toBe(204);
    expect(
      (await webhooks().getEndpoint({ endpointId: endpoint }, as(keys.alice))).endpoint?.counts?.accepted,
    ).toBe(4);
  });

  it("lets every webhooks:admin key of the tenant manage the endpoint and its jobs, whoever created them", async () => {
    const worker = as(keys.worker);
    const listed = await webhooks().listEndpoints({}, worker);
    expect(listed.endpoints.map((e) => [e.id, e.connectionId])).toEqual([[endpoint, aliceConnection]]);
    const events = await webhooks().listEvents({ endpointId: endpoint }, worker);
    expect(events.events).toHaveLength(4);
    // Metadata only: the payloads need webhooks:payload.
    expect(events.events.every((e) => e.payload === undefined)).toBe(true);
    const { jobs } = await webhooks().claimJobs({ endpointId: endpoint, maxJobs: 10 }, worker);
    expect(jobs).toHaveLength(2);
    expect(jobs.every((c) => c.event !== undefined && c.event.payload === undefined)).toBe(true);
    for (const job of jobs) {
      await webhooks().ackJob({ jobId: job.job?.id ?? "", leaseToken: job.leaseToken }, worker);
    }
    // A job claimed under Alice's key is settled by the worker's: leases belong to attempts, not to keys.
    await webhooks().nackJob(
      { jobId: claimed?.job?.id ?? "", leaseToken: claimed?.leaseToken ?? "", errorCode: "WORKER_RESTARTED" },
      worker,
    );
    expect((await webhooks().retryJob({ jobId: deadJob }, worker)).job?.state).toBe("retrying");
  });

  it("shows payloads to the tenant's webhooks:payload keys only, and nothing to keys without webhooks:admin", async () => {
    const audited = await webhooks().listEvents({ endpointId: endpoint }, as(keys.auditor));
    expect(audited.events.every((e) => e.payload?.issue !== undefined)).toBe(true);
    const bob = as(keys.bob);
    const calls: [string, () => Promise<unknown>][] = [
      ["list endpoints", () => webhooks().listEndpoints({}, bob)],
      ["get", () => webhooks().getEndpoint({ endpointId: endpoint }, bob)],
      ["events", () => webhooks().listEvents({ endpointId: endpoint }, bob)],
      ["jobs", () => webhooks().listJobs({}, bob)],
      ["claim", () => webhooks().claimJobs({}, bob)],
      ["retry", () => webhooks().retryJob({ jobId: deadJob }, bob)],
      ["delete", () => webhooks().deleteEndpoint({ endpointId: endpoint }, bob)],
      [
        "create",
        () => webhooks().createEndpoint({ provider: "github", connectorSlug: "github", secret: SECRET }, bob),
      ],
    ];
    for (const [name, call] of calls) expect(await outcome(call), name).toBe(Code.PermissionDenied);
  });
});
