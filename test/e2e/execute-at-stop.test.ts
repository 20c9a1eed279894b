import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { sign } from "@octokit/webhooks-methods";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { IDEMPOTENCY_KEY_META, TIMEOUT_MS_META } from "../../src/mcp/call-options.ts";
import { startServer } from "../../src/server/start-server.ts";
import {
  type ExecutionRecordRow,
  readExecutionRecords,
  STOPPED_MESSAGE,
} from "../support/execution-records.ts";
import { type HeldUpstream, startHeldUpstream } from "../support/held-upstream.ts";
import { LogCapture } from "../support/log-capture.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// Every Execute call leaves an execution record, the calls a stop cuts off too: a call still running when
// the grace period ends is cancelled (its upstream request ends) and recorded once, as SERVER_STOPPED, before
// the server's last write of records; one that finishes during the grace period is recorded as it ended.

/** Far longer than any test: only the stop can end these calls. */
const NEVER_MS = 600_000;
const PHASE_REFUSE = "stopping: refusing new connections; draining in-flight calls";
const GITHUB_SECRET = "execute-at-stop-secret";

interface QueuedJob {
  id: string;
  state: string;
  retry_count: number;
  retry_limit: number;
  code: string | null;
}

/** The webhook delivery jobs of the test's database, oldest first. */
async function jobsOf(t: TestServer): Promise<QueuedJob[]> {
  const client = new pg.Client({ connectionString: t.database?.url });
  await client.connect();
  try {
    const { rows } = await client.query<QueuedJob>(
      `select id, state::text, retry_count, retry_limit, output->>'code' as code
         from pgboss.job where name = 'webhook-deliveries' order by created_on, id`,
    );
    return rows;
  } finally {
    await client.end();
  }
}

/** The execution records of the test's database, read after the server has stopped, without their ids. */
async function recordsOf(t: TestServer): Promise<Omit<ExecutionRecordRow, "id">[]> {
  return (await readExecutionRecords(t.database?.url, "protocol")).map(({ id: _id, ...record }) => record);
}

describe("execution records of the calls a stop finds running", () => {
  let upstream: HeldUpstream;
  let t: TestServer | undefined;
  let mcp: Client | undefined;

  beforeEach(async () => {
    upstream = await startHeldUpstream();
  });
  afterEach(async () => {
    await mcp?.close().catch(() => undefined);
    await t?.stop();
    await upstream.close();
  });

  /** Starts a server, with the grace period given, and an MCP client of an `execute` and `mcp` key. */
  async function start(graceMs: number): Promise<{ server: TestServer; key: string }> {
    const server = await startTestServer("postgresql", { PATCHBAY_SHUTDOWN_TIMEOUT_MS: String(graceMs) });
    t = server;
    const key = await server.createKey(["execute", "mcp"], "stop-tester");
    mcp = new Client({ name: "execute-at-stop", version: "1.0.0" });
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    return { server, key };
  }

  /**
   * One call of the `http` connector's request to the held upstream on each way a command is called; each
   * settles to whether it was answered without an error (a call the stop cuts off fails on the client).
   */
  function callEveryWay(server: TestServer, key: string): Promise<boolean>[] {
    const params = (tag: string) => ({ url: `${upstream.url}?tag=${tag}`, timeoutMs: NEVER_MS });
    const headers = { authorization: `Bearer ${key}` };
    const grpc = createClient(ExecuteService, createGrpcTransport({ baseUrl: server.url }));
    const tool = (tag: string, meta: Record<string, unknown>) =>
      (mcp as Client).callTool({ name: "http_request", arguments: params(tag), _meta: meta });
    const calls: Promise<unknown>[] = [
      grpc.execute(
        { target: { case: "connectorSlug", value: "http" }, command: "request", params: params("grpc") },
        { headers, timeoutMs: NEVER_MS },
      ),
      fetch(`${server.url}/api/v1/connectors/http/execute`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({
          command: "request",
          params: params("rest"),
          metadata: { timeoutMs: NEVER_MS },
        }),
      }).then(async (res) => {
        if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      }),
      tool("mcp", { [TIMEOUT_MS_META]: NEVER_MS }),
      tool("mcp-keyed", { [TIMEOUT_MS_META]: NEVER_MS, [IDEMPOTENCY_KEY_META]: "stop-1" }),
    ];
    return calls.map((call) =>
      call.then(
        (answer) => !(typeof answer === "object" && answer !== null && "isError" in answer && answer.isError),
        () => false,
      ),
    );
  }
  const TAGS = ["grpc", "rest", "mcp", "mcp-keyed"];

  // These calls end when their signal aborts halfway through the grace period (SERVER_STOPPING), before the
  // grace period's end cancels the runs still going (SERVER_STOPPED): run-command races every command,
  // whatever its connector, against its call's signal, which every RPC and MCP tool call has aborted
  // halfway. Only a run without a caller's call meets the end's cancellation: the webhook job's below.
  it("cancels the calls a stop's grace period cuts off and records each once, as SERVER_STOPPED", async () => {
    const { server, key } = await start(1_000);
    const calls = callEveryWay(server, key);
    // Each call is in flight: its upstream request has arrived, and nothing will answer it.
    await expect.poll(() => [...upstream.arrived].sort(), { timeout: 60_000 }).toEqual([...TAGS].sort());

    await server.server.stop();
    // Every command was told to stop: its upstream request was ended, not left to run after the stop.
    expect([...upstream.aborted].sort()).toEqual([...TAGS].sort());
    await Promise.all(calls);

    const records = await recordsOf(server);
    // Ended by the server's stop, and recorded so: not as if their callers had cancelled them. The keyed
    // tool call's record lets its key go, so that a retry runs again (execute-key-after-stop.test.ts).
    const stopped = { status: "failed", error_code: "SERVER_STOPPED", message: STOPPED_MESSAGE };
    expect(records).toEqual([
      { protocol: "grpc", ...stopped, idempotency_key: null },
      { protocol: "mcp", ...stopped, idempotency_key: null },
      { protocol: "mcp", ...stopped, idempotency_key: null },
      { protocol: "rest", ...stopped, idempotency_key: null },
    ]);
    // Nothing came too late to be written.
    expect(server.logs.text()).not.toContain("after the recorder stopped");
  }, 120_000);

  it("records a call that finishes during the grace period as succeeded", async () => {
    const { server, key } = await start(60_000);
    const calls = callEveryWay(server, key);
    await expect.poll(() => [...upstream.arrived].sort(), { timeout: 60_000 }).toEqual([...TAGS].sort());

    const stopped = server.server.stop();
    // The stop has begun refusing new connections; the calls in flight are still let finish.
    await expect.poll(() => server.logs.text(), { timeout: 60_000 }).toContain(PHASE_REFUSE);
    upstream.release();
    const answers = await Promise.all(calls);
    await stopped;

    expect(answers).toEqual(TAGS.map(() => true));
    expect(upstream.aborted.size).toBe(0);
    const records = await recordsOf(server);
    expect(records).toEqual([
      { protocol: "grpc", status: "succeeded", error_code: null, message: null, idempotency_key: null },
      { protocol: "mcp", status: "succeeded", error_code: null, message: null, idempotency_key: "stop-1" },
      { protocol: "mcp", status: "succeeded", error_code: null, message: null, idempotency_key: null },
      { protocol: "rest", status: "succeeded", error_code: null, message: null, idempotency_key: null },
    ]);
  }, 120_000);
  /**
   * A script connector whose command POSTs the event to the held upstream, a connection of it, and a
   * GitHub endpoint whose target is that command; answers the endpoint's id.
   */
  async function commandEndpoint(server: TestServer): Promise<string> {
    const admin = { authorization: `Bearer ${server.adminKey}` };
    const rest = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { ...admin, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const created = await rest("/api/v1/connectors", {
      name: "held-sink",
      executionModel: "script",
      configSchema: {
        connectionConfig: {
          baseUrl: { type: "string", required: true, description: "Sink URL" },
          apiKey: { type: "string", required: true, secret: true, description: "API key" },
        },
        commands: {
          forward: {
            params: ["event"],
            description: "Forward an event",
            outputs: ["status"],
            paramSchema: {},
          },
        },
      },
      scriptSource: `function forward() {
  var r = patchbay.http.post(patchbay.config.baseUrl, { id: patchbay.params.event.providerEventId }, {});
  return { payload: { status: r.status } };
}`,
    });
    expect(created.status).toBe(200);
    const started = await rest("/api/v1/connections", { connectorSlug: "held-sink" });
    const connectionId = ((await started.json()) as { connection: { id: string } }).connection.id;
    const submitted = await rest(`/api/v1/connections/${connectionId}/credentials`, {
      credentials: { baseUrl: `${upstream.url}?tag=webhook`, apiKey: "sink-key" },
    });
    expect(submitted.status).toBe(200);
    const { endpoint } = await createClient(
      WebhookService,
      createGrpcTransport({ baseUrl: server.url }),
    ).createEndpoint(
      {
        provider: "github",
        connectorSlug: "github",
        secret: GITHUB_SECRET,
        target: { kind: { case: "command", value: { connectionId, command: "forward" } } },
      },
      { headers: admin },
    );
    return endpoint?.id ?? "";
  }

  /** Delivers one GitHub event to the endpoint; its job's command then POSTs to the held upstream. */
  async function receive(server: TestServer, endpointId: string): Promise<void> {
    const body = JSON.stringify({
      action: "opened",
      issue: { number: 1, title: "held" },
      repository: { id: 1 },
    });
    const delivered = await fetch(`${server.url}/api/v1/connectors/webhooks/github/${endpointId}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-github-delivery": "held-1",
        "x-hub-signature-256": await sign(GITHUB_SECRET, body),
      },
      body,
    });
    expect(delivered.status).toBe(204);
  }

  /** A job put back by the stop: retrying (due a few seconds on), its attempt given back (one more allowed than the queue's 7). */
  const PUT_BACK = { state: "retry", retry_count: 0, retry_limit: 8, code: "SERVER_STOPPED" };
  /** The record of a webhook job's command the stop cancelled. */
  const WEBHOOK_STOPPED = {
    protocol: "webhook",
    status: "failed",
    error_code: "SERVER_STOPPED",
    message: STOPPED_MESSAGE,
    idempotency_key: null,
  };

  it("cancels a webhook job's command still running when the grace period ends, records it as SERVER_STOPPED, and puts the job back for the next server", async () => {
    // A webhook job's command holds no connection of a caller: nothing but the stop's cancellation ends it.
    const { server } = await start(1_000);
    await receive(server, await commandEndpoint(server));
    await expect.poll(() => upstream.arrived.has("webhook"), { timeout: 60_000 }).toBe(true);

    await server.server.stop();
    expect(upstream.aborted.has("webhook")).toBe(true);
    expect(await recordsOf(server)).toEqual([WEBHOOK_STOPPED]);
    expect(server.logs.text()).toContain("stopping: cancelled the commands still running");
    // Back in the queue, not failed: the stop cost the job none of its attempts.
    const [job] = await jobsOf(server);
    expect(job).toEqual({ id: expect.any(String), ...PUT_BACK });

    // The next server on the database runs it again, and this time the upstream answers.
    upstream.release();
    const next = await startServer(loadConfig(server.env, false), {
      logger: createLogger({ level: "warn", format: "json", destination: new LogCapture().stream }),
      notice: () => undefined,
    });
    try {
      await expect
        .poll(async () => (await jobsOf(server)).map((row) => row.state), { timeout: 60_000 })
        .toEqual(["completed"]);
    } finally {
      await next.stop();
    }
    expect((await recordsOf(server)).map((record) => record.status).sort()).toEqual(["failed", "succeeded"]);
  }, 120_000);

  it("puts back, without running its command, a webhook job the worker holds when the stop pauses delivery", async () => {
    const { server } = await start(1_000);
    await receive(server, await commandEndpoint(server));
    await expect.poll(() => upstream.arrived.has("webhook"), { timeout: 60_000 }).toBe(true);
    const [running] = await jobsOf(server);

    const locker = new pg.Client({ connectionString: server.database?.url });
    const sql = new pg.Client({ connectionString: server.database?.url });
    await Promise.all([locker.connect(), sql.connect()]);
    try {
      // The worker's next job waits, claimed, for its endpoint: reading it waits on this lock.
      await locker.query("begin");
      await locker.query("lock table webhook_endpoints in access exclusive mode");
      // A second job for the same event, due now: a copy of the running job's row (pg-boss's own columns
      // and queue settings) as it was before its claim.
      await sql.query(
        `insert into pgboss.job
         select (jsonb_populate_record(j, jsonb_build_object('id', gen_random_uuid(), 'state', 'created',
           'retry_count', 0, 'started_on', null, 'heartbeat_on', null, 'start_after', now(), 'created_on', now()))).*
         from pgboss.job j where j.id = $1`,
        [running?.id],
      );
      await expect
        .poll(
          async () =>
            (
              await sql.query(
                "select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like 'select % from webhook_endpoints where id = $1%'",
              )
            ).rows[0].n,
          { timeout: 60_000 },
        )
        .toBe(1);
      expect((await jobsOf(server)).map((row) => row.state)).toEqual(["active", "active"]);

      const stopped = server.server.stop();
      // The running command has been cancelled: delivery paused before that.
      await expect
        .poll(() => server.logs.text(), { timeout: 60_000 })
        .toContain("stopping: cancelled the commands still running");
      await locker.query("commit");
      await stopped;
    } finally {
      await Promise.all([locker.end(), sql.end()]);
    }

    // Only the command that was running has a record: the held job's command never began.
    expect(await recordsOf(server)).toEqual([WEBHOOK_STOPPED]);
    const jobs = await jobsOf(server);
    expect(jobs).toHaveLength(2);
    for (const job of jobs) expect(job).toEqual({ id: expect.any(String), ...PUT_BACK });
  }, 120_000);
});
