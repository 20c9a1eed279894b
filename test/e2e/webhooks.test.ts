import { createServer, type IncomingMessage, type Server } from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { sign } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

const GITHUB_SECRET = "It's a Secret to Everybody";
const SIGNING_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

function issueOpened(delivery: string, number: number): { body: string; headers: Record<string, string> } {
  return {
    body: JSON.stringify({
      action: "opened",
      issue: { number, title: "Crash on start" },
      repository: { id: 1 },
    }),
    headers: {
      "x-github-event": "issues",
      "x-github-delivery": delivery,
      "content-type": "application/json",
    },
  };
}

/** A consumer of HTTPS deliveries on loopback that records what it receives. */
async function startConsumer(): Promise<{
  url: string;
  seen: { headers: IncomingMessage["headers"]; body: string }[];
  close(): Promise<void>;
}> {
  const seen: { headers: IncomingMessage["headers"]; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      seen.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    seen,
    close: () => new Promise<void>((closed) => server.close(() => closed())),
  };
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.each(BACKENDS)("webhooks over the wire on %s", (backend) => {
  let t: TestServer;
  let consumer: Awaited<ReturnType<typeof startConsumer>>;
  const headers = () => ({ authorization: `Bearer ${t.adminKey}` });
  const client = () => createClient(WebhookService, createGrpcTransport({ baseUrl: t.url }));
  const deliver = async (path: string, body: string, extra: Record<string, string>) =>
    fetch(`${t.url}${path}`, { method: "POST", headers: extra, body });

  beforeAll(async () => {
    consumer = await startConsumer();
    t = await startTestServer(backend, {
      PATCHBAY_JOB_SUPERVISE_S: "1",
      PATCHBAY_PUBLIC_URL: "https://hooks.example.test",
    });
  });
  afterAll(async () => {
    await t?.stop();
    await consumer?.close();
  });

  it("verifies GitHub deliveries, stores each event once however many copies race, and refuses forgeries", async () => {
    const { endpoint } = await client().createEndpoint(
      { provider: "github", connectorSlug: "github", secret: GITHUB_SECRET },
      { headers: headers() },
    );
    expect(endpoint?.url).toBe(
      `https://hooks.example.test/api/v1/connectors/webhooks/github/${endpoint?.id}`,
    );
    expect(endpoint?.status).toBe("active");
    expect(endpoint?.target?.kind.case).toBe("pull");
    const path = `/api/v1/connectors/webhooks/github/${endpoint?.id}`;

    const first = issueOpened("d-1", 7);
    const signature = await sign(GITHUB_SECRET, first.body);
    const copies = await Promise.all(
      Array.from({ length: 100 }, () =>
        deliver(path, first.body, { ...first.headers, "x-hub-signature-256": signature }),
      ),
    );
    expect(copies.map((r) => r.status)).toEqual(Array(100).fill(204));

    const forged = await deliver(path, first.body.replace("Crash", "Trash"), {
      ...first.headers,
      "x-hub-signature-256": signature,
    });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { message: string }).message).toBe(
      "the delivery's signature does not verify (SIGNATURE_MISMATCH)",
    );
    const unsigned = await deliver(path, first.body, first.headers);
    expect(unsigned.status).toBe(401);
    const wrongProvider = await deliver(`/api/v1/connectors/webhooks/stripe/${endpoint?.id}`, first.body, {
      ...first.headers,
      "x-hub-signature-256": signature,
    });
    expect(wrongProvider.status).toBe(404);

    const { events } = await client().listEvents({ endpointId: endpoint?.id ?? "" }, { headers: headers() });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      provider: "github",
      providerEventId: "d-1",
      eventKey: "github.issues.opened",
      jobState: "queued",
    });
    expect(events[0]?.payload).toMatchObject({ action: "opened", issue: { number: 7 } });
    // Time-ordered ids (version 7), appended to their indexes rather than scattered over them.
    expect(events[0]?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(events[0]?.jobId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    // Payloads are for "webhooks:payload" holders only; metadata is for "webhooks:admin".
    const adminOnly = await t.createKey(["webhooks:admin"]);
    const bare = await client().listEvents(
      { endpointId: endpoint?.id ?? "" },
      { headers: { authorization: `Bearer ${adminOnly}` } },
    );
    expect(bare.events[0]?.eventKey).toBe("github.issues.opened");
    expect(bare.events[0]?.payload).toBeUndefined();

    const got = await client().getEndpoint({ endpointId: endpoint?.id ?? "" }, { headers: headers() });
    expect(got.endpoint?.counts).toMatchObject({ accepted: 1, duplicate: 99, rejected: 3, failed: 0 });
    expect(got.endpoint?.lastErrorCode).toBe("PROVIDER_MISMATCH");
    expect(got.endpoint?.status).toBe("failing");
    expect(t.logs.text()).not.toContain(GITHUB_SECRET);
  });

  it("serves the public receiver straight from HTTP/1.1 and HTTP/2 with one log line per delivery; escaped paths and gRPC ReceiveEvent reach the same receiver", async () => {
    const { endpoint } = await client().createEndpoint(
      { provider: "github", connectorSlug: "github", secret: GITHUB_SECRET },
      { headers: headers() },
    );
    const id = endpoint?.id ?? "";
    const path = `/api/v1/connectors/webhooks/github/${id}`;

    // HTTP/2 with prior knowledge, as a proxy in front of Patchbay may speak it.
    const h2 = issueOpened("h2-1", 1);
    const h2Signature = await sign(GITHUB_SECRET, h2.body);
    const h2Answer = await new Promise<{ status: number; requestId: string }>((resolve, reject) => {
      const session = http2.connect(t.url);
      session.on("error", reject);
      const req = session.request({
        ":method": "POST",
        ":path": path,
        ...h2.headers,
        "x-hub-signature-256": h2Signature,
        "x-request-id": "h2-delivery",
      });
      req.on("response", (answer) => {
        resolve({ status: Number(answer[":status"]), requestId: String(answer["x-request-id"]) });
        req.resume();
        req.on("end", () => session.close());
      });
      req.on("error", reject);
      req.end(h2.body);
    });
    expect(h2Answer).toEqual({ status: 204, requestId: "h2-delivery" });

    // A percent-escaped segment is decoded by the REST bridge's rules, then the same receiver runs.
    const escaped = issueOpened("escaped-1", 2);
    const viaBridge = await deliver(`/api/v1/connectors/webhooks/git%68ub/${id}`, escaped.body, {
      ...escaped.headers,
      "x-hub-signature-256": await sign(GITHUB_SECRET, escaped.body),
    });
    expect(viaBridge.status).toBe(204);

    // gRPC clients (a relay in front of Patchbay) call ReceiveEvent itself.
    const relayed = issueOpened("grpc-1", 3);
    await client().receiveEvent(
      {
        provider: "github",
        endpointId: id,
        body: { contentType: "application/json", data: new TextEncoder().encode(relayed.body) },
      },
      {
        headers: {
          "x-github-event": "issues",
          "x-github-delivery": "grpc-1",
          "x-hub-signature-256": await sign(GITHUB_SECRET, relayed.body),
        },
      },
    );

    const forged = await deliver(path, h2.body, {
      ...h2.headers,
      "x-github-delivery": "forged-1",
      "x-hub-signature-256": await sign("not the secret", h2.body),
      "x-request-id": "forged-delivery",
    });
    expect(forged.status).toBe(401);
    expect(forged.headers.get("x-request-id")).toBe("forged-delivery");
    expect(forged.headers.get("x-patchbay-error")).toBe(
      "the delivery's signature does not verify (SIGNATURE_MISMATCH)",
    );

    const { events } = await client().listEvents({ endpointId: id }, { headers: headers() });
    expect(events.map((e) => e.providerEventId).sort()).toEqual(["escaped-1", "grpc-1", "h2-1"]);
    const lines = t.logs.lines();
    const line = (reqId: string) => lines.find((l) => l.reqId === reqId && l.msg === "request");
    expect(line("h2-delivery")).toMatchObject({
      procedure: "/patchbay.v1.WebhookService/ReceiveEvent",
      protocol: "rest",
      code: "ok",
    });
    expect(line("forged-delivery")).toMatchObject({
      procedure: "/patchbay.v1.WebhookService/ReceiveEvent",
      protocol: "rest",
      code: "unauthenticated",
    });
    expect(typeof line("h2-delivery")?.durationMs).toBe("number");
    expect(t.logs.text()).not.toContain("Crash on start");
  });

  it("refuses a signed body nested deeper than 32 levels as malformed, stores nothing and keeps serving; what it takes, gRPC consumers can read", async () => {
    const { endpoint } = await client().createEndpoint(
      { provider: "github", connectorSlug: "github", secret: GITHUB_SECRET },
      { headers: headers() },
    );
    const id = endpoint?.id ?? "";
    // The body's own object is the first level, arrays the rest.
    const nested = (levels: number) =>
      `{"action":"opened","nest":${"[".repeat(levels - 1)}${"]".repeat(levels - 1)}}`;
    const post = async (levels: number) => {
      const body = nested(levels);
      const answer = await deliver(`/api/v1/connectors/webhooks/github/${id}`, body, {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-github-delivery": `deep-${levels}`,
        "x-hub-signature-256": await sign(GITHUB_SECRET, body),
        "x-request-id": `deep-${levels}`,
      });
      return { status: answer.status, error: answer.headers.get("x-patchbay-error") };
    };
    const message = "the delivery's body is not a valid event (MALFORMED_BODY)";
    // JSON.stringify overflowed the stack on the first: a 500, which GitHub retries.
    expect(await post(100_000)).toEqual({ status: 400, error: message });
    expect(await post(65)).toEqual({ status: 400, error: message });
    expect(await post(33)).toEqual({ status: 400, error: message });
    const relayed = nested(100_000);
    await expect(
      client().receiveEvent(
        {
          provider: "github",
          endpointId: id,
          body: { contentType: "application/json", data: new TextEncoder().encode(relayed) },
        },
        {
          headers: {
            "x-github-event": "issues",
            "x-github-delivery": "deep-grpc",
            "x-hub-signature-256": await sign(GITHUB_SECRET, relayed),
          },
        },
      ),
    ).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: message });
    expect(await post(31)).toEqual({ status: 204, error: null });
    expect(await post(32)).toEqual({ status: 204, error: null });

    // Over gRPC (binary protobuf, whose decoders stop at 100 levels of messages) as a consumer reads them.
    const { events } = await client().listEvents({ endpointId: id }, { headers: headers() });
    expect(events.map((e) => e.providerEventId).sort()).toEqual(["deep-31", "deep-32"]);
    expect(events.find((e) => e.providerEventId === "deep-32")?.payload).toEqual(JSON.parse(nested(32)));
    const { jobs } = await client().claimJobs({ endpointId: id, maxJobs: 5 }, { headers: headers() });
    expect(jobs.map((c) => c.event?.payload)).toContainEqual(JSON.parse(nested(32)));
    const got = await client().getEndpoint({ endpointId: id }, { headers: headers() });
    expect(got.endpoint?.counts).toMatchObject({ accepted: 2, rejected: 4 });
    expect(got.endpoint?.lastErrorCode).toBe("MALFORMED_BODY");
    const line = (reqId: string) => t.logs.lines().find((l) => l.reqId === reqId && l.msg === "request");
    expect(line("deep-100000")).toMatchObject({ code: "invalid_argument" });
  });

  it("logs a delivery whose sender goes away mid-body as canceled, not as a server failure", async () => {
    const { endpoint } = await client().createEndpoint(
      { provider: "github", connectorSlug: "github", secret: GITHUB_SECRET },
      { headers: headers() },
    );
    const socket = connect(t.port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write(
      `POST /api/v1/connectors/webhooks/github/${endpoint?.id} HTTP/1.1\r\nhost: 127.0.0.1\r\n` +
        'content-type: application/json\r\ncontent-length: 1000\r\nx-request-id: half-sent\r\n\r\n{"action":',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    const line = await until(async () =>
      t.logs.lines().find((l) => l.reqId === "half-sent" && l.procedure !== undefined),
    );
    expect(line).toMatchObject({ code: "canceled", level: "info" });
    expect(t.logs.lines().filter((l) => l.reqId === "half-sent" && l.level === "error")).toEqual([]);
  });

  it("leases pull jobs to a consumer over gRPC; ack succeeds them, nack retries them, a stale token is refused", async () => {
    const { endpoint } = await client().createEndpoint(
      { provider: "github", connectorSlug: "github", secret: GITHUB_SECRET },
      { headers: headers() },
    );
    const path = `/api/v1/connectors/webhooks/github/${endpoint?.id}`;
    for (const [delivery, number] of [
      ["p-1", 1],
      ["p-2", 2],
    ] as const) {
      const event = issueOpened(delivery, number);
      const response = await deliver(path, event.body, {
        ...event.headers,
        "x-hub-signature-256": await sign(GITHUB_SECRET, event.body),
      });
      expect(response.status).toBe(204);
    }
    // Keyset paging, newest first, for events and jobs alike.
    const firstPage = await client().listEvents(
      { endpointId: endpoint?.id ?? "", pageSize: 1 },
      { headers: headers() },
    );
    expect(firstPage.events.map((e) => e.providerEventId)).toEqual(["p-2"]);
    const secondPage = await client().listEvents(
      { endpointId: endpoint?.id ?? "", pageSize: 1, pageToken: firstPage.nextPageToken },
      { headers: headers() },
    );
    expect(secondPage.events.map((e) => e.providerEventId)).toEqual(["p-1"]);
    expect(secondPage.nextPageToken).toBe("");
    const jobPage = await client().listJobs(
      { endpointId: endpoint?.id ?? "", pageSize: 1 },
      { headers: headers() },
    );
    const nextJobs = await client().listJobs(
      { endpointId: endpoint?.id ?? "", pageSize: 1, pageToken: jobPage.nextPageToken },
      { headers: headers() },
    );
    expect(new Set([...jobPage.jobs, ...nextJobs.jobs].map((j) => j.eventId)).size).toBe(2);
    await expect(
      client().listJobs({ state: "dead", pageToken: jobPage.nextPageToken }, { headers: headers() }),
    ).rejects.toThrow();

    const { jobs } = await client().claimJobs(
      { endpointId: endpoint?.id ?? "", maxJobs: 5, leaseSeconds: 30 },
      { headers: headers() },
    );
    expect(jobs).toHaveLength(2);
    expect(jobs.map((c) => c.job?.state)).toEqual(["running", "running"]);
    expect(jobs.map((c) => c.event?.providerEventId).sort()).toEqual(["p-1", "p-2"]);
    const [a, b] = jobs;
    const acked = await client().ackJob(
      { jobId: a?.job?.id ?? "", leaseToken: a?.leaseToken ?? "" },
      { headers: headers() },
    );
    expect(acked.job?.state).toBe("succeeded");
    const nacked = await client().nackJob(
      {
        jobId: b?.job?.id ?? "",
        leaseToken: b?.leaseToken ?? "",
        errorCode: "CONSUMER_BUSY",
        retryAfterSeconds: 1,
      },
      { headers: headers() },
    );
    expect(nacked.job).toMatchObject({ state: "retrying", lastErrorCode: "CONSUMER_BUSY", attempts: 1 });
    await expect(
      client().ackJob({ jobId: b?.job?.id ?? "", leaseToken: b?.leaseToken ?? "" }, { headers: headers() }),
    ).rejects.toThrow(/the lease has ended/);
    const again = await until(async () => {
      const claimed = await client().claimJobs({ endpointId: endpoint?.id ?? "" }, { headers: headers() });
      return claimed.jobs.length > 0 ? claimed.jobs : undefined;
    });
    expect(again[0]?.job).toMatchObject({ id: b?.job?.id, attempts: 2 });
    expect(again[0]?.leaseToken).not.toBe(b?.leaseToken);
  });

  it("delivers events to an HTTPS target signed per Standard Webhooks", async () => {
    const { endpoint } = await client().createEndpoint(
      {
        provider: "github",
        connectorSlug: "github",
        secret: GITHUB_SECRET,
        target: { kind: { case: "https", value: { url: consumer.url, signingSecret: SIGNING_SECRET } } },
      },
      { headers: headers() },
    );
    expect(endpoint?.target?.kind).toMatchObject({
      case: "https",
      value: { url: consumer.url, signingSecret: "" },
    });
    const event = issueOpened("h-1", 42);
    const response = await deliver(`/api/v1/connectors/webhooks/github/${endpoint?.id}`, event.body, {
      ...event.headers,
      "x-hub-signature-256": await sign(GITHUB_SECRET, event.body),
    });
    expect(response.status).toBe(204);
    const received = await until(async () => consumer.seen.at(0));
    const verified = new Webhook(SIGNING_SECRET).verify(received.body, {
      "webhook-id": String(received.headers["webhook-id"]),
      "webhook-timestamp": String(received.headers["webhook-timestamp"]),
      "webhook-signature": String(received.headers["webhook-signature"]),
    }) as { type: string; data: { providerEventId: string; payload: { issue: { number: number } } } };
    expect(verified.type).toBe("github.issues.opened");
    expect(verified.data.providerEventId).toBe("h-1");
    expect(verified.data.payload.issue.number).toBe(42);
    const job = await until(async () => {
      const { jobs } = await client().listJobs({ endpointId: endpoint?.id ?? "" }, { headers: headers() });
      return jobs[0]?.state === "succeeded" ? jobs[0] : undefined;
    });
    expect(job).toMatchObject({ targetKind: "https", attempts: 1, maxAttempts: 8 });
  });

  it("runs a connector command per event as the connection's owner (event-based actions)", async () => {
    const rest = (path: string, body: unknown) =>
      fetch(`${t.url}${path}`, {
        method: "POST",
        headers: { ...headers(), "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const created = await rest("/api/v1/connectors", {
      name: "event-sink",
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
  var r = patchbay.http.post(patchbay.config.baseUrl, { key: patchbay.params.event.eventKey, id: patchbay.params.event.providerEventId },
    { authorization: "Bearer " + patchbay.config.apiKey });
  return { payload: { status: r.status } };
}`,
    });
    expect(created.status).toBe(200);
    const started = await rest("/api/v1/connections", { connectorSlug: "event-sink" });
    const connectionId = ((await started.json()) as { connection: { id: string } }).connection.id;
    const submitted = await rest(`/api/v1/connections/${connectionId}/credentials`, {
      credentials: { baseUrl: consumer.url, apiKey: "sink-key" },
    });
    expect(submitted.status).toBe(200);

    const { endpoint } = await client().createEndpoint(
      {
        provider: "github",
        connectorSlug: "github",
        secret: GITHUB_SECRET,
        target: { kind: { case: "command", value: { connectionId, command: "forward" } } },
      },
      { headers: headers() },
    );
    const before = consumer.seen.length;
    const event = issueOpened("c-1", 9);
    const response = await deliver(`/api/v1/connectors/webhooks/github/${endpoint?.id}`, event.body, {
      ...event.headers,
      "x-hub-signature-256": await sign(GITHUB_SECRET, event.body),
    });
    expect(response.status).toBe(204);
    const forwarded = await until(async () =>
      consumer.seen.slice(before).find((r) => r.body.includes("c-1")),
    );
    expect(JSON.parse(forwarded.body)).toEqual({ key: "github.issues.opened", id: "c-1" });
    expect(forwarded.headers.authorization).toBe("Bearer sink-key");
    const job = await until(async () => {
      const { jobs } = await client().listJobs({ endpointId: endpoint?.id ?? "" }, { headers: headers() });
      return jobs[0]?.state === "succeeded" ? jobs[0] : undefined;
    });
    expect(job.targetKind).toBe("command");
    // The command's execution record says a webhook job asked for it.
    const { executions } = await createClient(
      ExecuteService,
      createGrpcTransport({ baseUrl: t.url }),
    ).listExecutions({ connectionId }, { headers: headers() });
    expect(executions.find((e) => e.command === "forward")?.protocol).toBe("webhook");

    const refused = await client()
      .createEndpoint(
        {
          provider: "github",
          connectorSlug: "github",
          secret: GITHUB_SECRET,
          target: {
            kind: { case: "command", value: { connectionId: crypto.randomUUID(), command: "forward" } },
          },
        },
        { headers: headers() },
      )
      .catch((error: unknown) => error);
    expect(String(refused)).toContain("target.command.connection_id: no such connection of yours");
  });

  it("answers Slack's url_verification with the challenge and keeps the old secret valid during a rotation", async () => {
    const { createHmac } = await import("node:crypto");
    const slackSign = (secret: string, ts: string, body: string) =>
      `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`;
    const { endpoint } = await client().createEndpoint(
      { provider: "slack", connectorSlug: "slack", secret: "old-signing-secret" },
      { headers: headers() },
    );
    const path = `/api/v1/connectors/webhooks/slack/${endpoint?.id}`;
    const ts = String(Math.floor(Date.now() / 1000));
    const challenge = JSON.stringify({
      type: "url_verification",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      token: "x",
    });
    const answered = await deliver(path, challenge, {
      "content-type": "application/json",
      "x-slack-request-timestamp": ts,
      "x-slack-signature": slackSign("old-signing-secret", ts, challenge),
    });
    expect(answered.status).toBe(200);
    expect(await answered.text()).toBe("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");

    await client().rotateEndpointSecret(
      { endpointId: endpoint?.id ?? "", secret: "new-signing-secret", gracePeriodSeconds: 600 },
      { headers: headers() },
    );
    const message = (id: string) =>
      JSON.stringify({ type: "event_callback", event_id: id, event: { type: "message", text: "hi" } });
    for (const [secret, id] of [
      ["old-signing-secret", "Ev1"],
      ["new-signing-secret", "Ev2"],
    ] as const) {
      const body = message(id);
      const response = await deliver(path, body, {
        "content-type": "application/json",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": slackSign(secret, ts, body),
      });
      expect(response.status).toBe(204);
    }
    const { events } = await client().listEvents(
      { endpointId: endpoint?.id ?? "", eventKey: "slack.message" },
      { headers: headers() },
    );
    expect(events.map((e) => e.providerEventId).sort()).toEqual(["Ev1", "Ev2"]);
  });
});
