import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ExecuteService, ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import {
  type FakePlaceholderApi,
  startFakePlaceholderApi,
} from "../connectors/builtin/fake-placeholder-api.ts";
import { bearer, grpc, loadPatchbayProtos, unary } from "../support/grpc-js-client.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

const API_KEY = "pk-exec-secret-1234";

function failureOf(error: unknown) {
  expect(error).toBeInstanceOf(ConnectError);
  const [detail] = (error as ConnectError).findDetails(ExecutionFailureSchema);
  return { code: (error as ConnectError).code, message: (error as ConnectError).rawMessage, detail };
}

describe.each(BACKENDS)("Execute over the wire on %s", (backend) => {
  let t: TestServer;
  let api: FakePlaceholderApi;
  let connectionId = "";
  const headers = () => ({ authorization: `Bearer ${t.adminKey}` });
  const client = () => createClient(ExecuteService, createGrpcTransport({ baseUrl: t.url }));
  const rest = (path: string, body: unknown) =>
    fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { ...headers(), "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    api = await startFakePlaceholderApi(API_KEY);
    t = await startTestServer(backend, { PATCHBAY_EGRESS_ALLOW: "127.0.0.1/32" });
    const started = await rest("/api/v1/connections", { connectorSlug: "placeholder-api" });
    connectionId = ((await started.json()) as { connection: { id: string } }).connection.id;
    const submitted = await rest(`/api/v1/connections/${connectionId}/credentials`, {
      credentials: { baseUrl: api.baseUrl, apiKey: API_KEY },
    });
    expect(submitted.status).toBe(200);
  });
  afterAll(async () => {
    await t?.stop();
    await api?.close();
  });

  it("runs a command of a connector without auth by slug, over gRPC, Connect and REST", async () => {
    const res = await client().execute(
      { target: { case: "connectorSlug", value: "delay" }, command: "wait", params: { delayMs: 5 } },
      { headers: headers() },
    );
    expect(res.payload).toEqual({ delayed: 5 });
    expect(res.executionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.durationMs).toBeGreaterThanOrEqual(0);

    const v1 = ((loadPatchbayProtos().patchbay as grpc.GrpcObject).v1 as grpc.GrpcObject)
      .ExecuteService as unknown as new (
      a: string,
      c: grpc.ChannelCredentials,
    ) => grpc.Client;
    const native = new v1(`127.0.0.1:${t.port}`, grpc.credentials.createInsecure());
    try {
      const { response } = await unary<{ payload: { fields: Record<string, unknown> } }>(
        native,
        "execute",
        { connectorSlug: "delay", command: "wait", params: { fields: { delayMs: { numberValue: 1 } } } },
        bearer(t.adminKey),
      );
      expect(response.payload.fields.delayed).toMatchObject({ numberValue: 1 });
    } finally {
      native.close();
    }

    const viaRest = await rest("/api/v1/connectors/delay/execute", {
      command: "wait",
      params: { delayMs: 2 },
    });
    expect(viaRest.status).toBe(200);
    const restAnswer = (await viaRest.json()) as { payload: unknown; executionId: string };
    expect(restAnswer.payload).toEqual({ delayed: 2 });

    // Each record says how its call came (the gRPC one is the newest "wait" of delay 1).
    const viaConnect = await createClient(
      ExecuteService,
      createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }),
    ).execute(
      { target: { case: "connectorSlug", value: "delay" }, command: "wait", params: { delayMs: 3 } },
      { headers: headers() },
    );
    const protocolOf = async (id: string) =>
      (await client().getExecution({ id }, { headers: headers() })).execution?.protocol;
    expect(await protocolOf(res.executionId)).toBe("grpc");
    expect(await protocolOf(viaConnect.executionId)).toBe("connect");
    expect(await protocolOf(restAnswer.executionId)).toBe("rest");
  });

  it("runs a command on an API-key connection with its sealed credentials", async () => {
    const res = await client().execute(
      { target: { case: "connectionId", value: connectionId }, command: "listPosts", params: { limit: 2 } },
      { headers: headers() },
    );
    expect(res.payload?.posts).toHaveLength(2);
    expect(res.variables).toMatchObject({ postCount: 2 });
    expect(api.requests.at(-1)?.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it("answers invalid params with INVALID_ARGUMENT and an ExecutionFailure detail", async () => {
    const error = await client()
      .execute(
        { target: { case: "connectorSlug", value: "http" }, command: "request", params: {} },
        { headers: headers() },
      )
      .catch((e: unknown) => e);
    const failure = failureOf(error);
    expect(failure).toMatchObject({ code: Code.InvalidArgument, message: "Missing required field(s): url" });
    expect(failure.detail).toMatchObject({
      errorCode: "MISSING_REQUIRED_FIELDS",
      failureClass: "invalid_params",
    });
    expect(failure.detail?.executionId).toMatch(/^[0-9a-f-]{36}$/);
    const unknown = failureOf(
      await client()
        .execute(
          { target: { case: "connectorSlug", value: "delay" }, command: "nap" },
          { headers: headers() },
        )
        .catch((e: unknown) => e),
    );
    expect(unknown.code).toBe(Code.InvalidArgument);
    expect(unknown.message).toContain("Known commands: wait");
  });

  it("maps an upstream rate limit to RESOURCE_EXHAUSTED and over REST to 429 with x-patchbay-error", async () => {
    api.answerNext({ status: 429, headers: { "retry-after": "3" } });
    const error = failureOf(
      await client()
        .execute(
          { target: { case: "connectionId", value: connectionId }, command: "listPosts" },
          { headers: headers() },
        )
        .catch((e: unknown) => e),
    );
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.detail?.failureClass).toBe("upstream_rate_limited");
    api.answerNext({ status: 503 });
    const res = await rest(`/api/v1/connections/${connectionId}/execute`, { command: "listPosts" });
    expect(res.status).toBe(503);
    expect(res.headers.get("x-patchbay-error")).toBe("Placeholder API error (503)");
  });

  it("stops at timeout_ms or the caller's deadline, whichever is sooner", async () => {
    const byMetadata = failureOf(
      await client()
        .execute(
          {
            target: { case: "connectorSlug", value: "delay" },
            command: "wait",
            params: { delayMs: 20000 },
            metadata: { timeoutMs: 100 },
          },
          { headers: headers() },
        )
        .catch((e: unknown) => e),
    );
    expect(byMetadata.code).toBe(Code.DeadlineExceeded);
    const byCaller = await createClient(
      ExecuteService,
      createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }),
    )
      .execute(
        { target: { case: "connectorSlug", value: "delay" }, command: "wait", params: { delayMs: 20000 } },
        { headers: headers(), timeoutMs: 150 },
      )
      .catch((e: unknown) => e);
    expect((byCaller as ConnectError).code).toBe(Code.DeadlineExceeded);
  });

  it("refuses a connection that is not active and a connector that needs one", async () => {
    const pending = await rest("/api/v1/connections", {
      connectorSlug: "placeholder-api",
      label: "unfinished",
    });
    const id = ((await pending.json()) as { connection: { id: string } }).connection.id;
    const notActive = await client()
      .execute({ target: { case: "connectionId", value: id }, command: "listPosts" }, { headers: headers() })
      .catch((e: unknown) => e);
    expect(notActive).toMatchObject({
      code: Code.FailedPrecondition,
      rawMessage: "connection is not active (pending)",
    });
    const needsConnection = await client()
      .execute(
        { target: { case: "connectorSlug", value: "placeholder-api" }, command: "listPosts" },
        { headers: headers() },
      )
      .catch((e: unknown) => e);
    expect((needsConnection as ConnectError).code).toBe(Code.InvalidArgument);
  });

  it("replays an idempotent call without running it again, and refuses the key for another request", async () => {
    const request = {
      target: { case: "connectorSlug" as const, value: "delay" },
      command: "wait",
      params: { delayMs: 1 },
      metadata: { idempotencyKey: "order-42", stepId: "s1", runId: "r1", timeoutMs: 0 },
    };
    const first = await client().execute(request, { headers: headers() });
    const second = await client().execute(request, { headers: headers() });
    expect(second.executionId).toBe(first.executionId);
    expect(second.payload).toEqual(first.payload);
    const other = await client()
      .execute({ ...request, params: { delayMs: 2 } }, { headers: headers() })
      .catch((e: unknown) => e);
    expect((other as ConnectError).code).toBe(Code.AlreadyExists);

    const failing = {
      ...request,
      target: { case: "connectorSlug" as const, value: "http" },
      command: "request",
      params: {},
      metadata: { ...request.metadata, idempotencyKey: "bad-1" },
    };
    const f1 = failureOf(
      await client()
        .execute(failing, { headers: headers() })
        .catch((e: unknown) => e),
    );
    const f2 = failureOf(
      await client()
        .execute(failing, { headers: headers() })
        .catch((e: unknown) => e),
    );
    expect(f2.detail?.executionId).toBe(f1.detail?.executionId);
    expect(f2.message).toBe(f1.message);
  });

  it("keeps params and payloads in the records of a connector that opts in, redacted", async () => {
    await createClient(CatalogService, createGrpcTransport({ baseUrl: t.url })).createConnector(
      { name: "echo-recorded", executionModel: "built_in", type: "echo", recordPayloads: true },
      { headers: headers() },
    );
    const params = { message: { text: "hi", email: "ada@example.com" } };
    const kept = await client().execute(
      { target: { case: "connectorSlug", value: "echo-recorded" }, command: "echo", params },
      { headers: headers() },
    );
    const plain = await client().execute(
      { target: { case: "connectorSlug", value: "echo" }, command: "echo", params },
      { headers: headers() },
    );
    const read = async (id: string) =>
      (await client().getExecution({ id }, { headers: headers() })).execution;
    const recorded = await read(kept.executionId);
    expect(recorded?.params).toEqual({ message: { text: "hi", email: "[redacted]" } });
    expect(recorded?.payload).toEqual({ message: { text: "hi", email: "[redacted]" } });
    const notRecorded = await read(plain.executionId);
    expect(notRecorded?.params).toBeUndefined();
    expect(notRecorded?.payload).toBeUndefined();
    expect(JSON.stringify([recorded?.params, recorded?.payload, recorded?.diagnostics])).not.toContain(
      "ada@example.com",
    );
  });

  it("keeps an execution log operators can filter and read, without params or secrets", async () => {
    const failed = await createClient(
      ExecuteService,
      createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }),
    ).listExecutions({ status: "failed", connectorSlug: "placeholder-api" }, { headers: headers() });
    expect(failed.executions.length).toBeGreaterThanOrEqual(2);
    expect(failed.executions[0]).toMatchObject({ status: "failed", command: "listPosts", connectionId });
    expect(failed.executions.map((e) => e.code)).toEqual(
      expect.arrayContaining(["resource_exhausted", "unavailable"]),
    );
    const one = await client().getExecution({ id: failed.executions[0]?.id ?? "" }, { headers: headers() });
    expect(one.execution?.message).toBe(failed.executions[0]?.message);
    const everything =
      JSON.stringify(failed.executions.map((e) => [e.message, e.diagnostics, e.errorCode])) + t.logs.text();
    expect(everything).not.toContain(API_KEY);
  });
});
