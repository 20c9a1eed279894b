import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecuteService, ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import {
  type FakePlaceholderApi,
  startFakePlaceholderApi,
} from "../connectors/builtin/fake-placeholder-api.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

const API_KEY = "pk-mock-secret-5678";

function failureOf(error: unknown) {
  expect(error).toBeInstanceOf(ConnectError);
  const [detail] = (error as ConnectError).findDetails(ExecutionFailureSchema);
  return { code: (error as ConnectError).code, message: (error as ConnectError).rawMessage, detail };
}

describe.each(BACKENDS)("Execute with a per-call mock scenario on %s", (backend) => {
  let t: TestServer;
  let api: FakePlaceholderApi;
  let connectionId = "";
  const headers = (key = t.adminKey) => ({ authorization: `Bearer ${key}` });
  const client = () => createClient(ExecuteService, createGrpcTransport({ baseUrl: t.url }));
  const rest = async (path: string, body: unknown, key = t.adminKey) => {
    const res = await fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { ...headers(key), "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const onConnection = (mockScenario: string, extra: Record<string, unknown> = {}) => ({
    target: { case: "connectionId" as const, value: connectionId },
    command: "listPosts",
    metadata: { mockScenario, ...extra },
  });

  beforeAll(async () => {
    api = await startFakePlaceholderApi(API_KEY);
    t = await startTestServer(backend);
    const started = await rest("/api/v1/connections", { connectorSlug: "placeholder-api" });
    connectionId = (started.json as { connection: { id: string } }).connection.id;
    const submitted = await rest(`/api/v1/connections/${connectionId}/credentials`, {
      credentials: { baseUrl: api.baseUrl, apiKey: API_KEY },
    });
    expect(submitted.status).toBe(200);
  });
  afterAll(async () => {
    await t?.stop();
    await api?.close();
  });

  it("answers the named scenario's canned payload without a request upstream, and records it", async () => {
    const before = api.requests.length;
    const res = await client().execute(onConnection("default", { returnLogLines: true }), {
      headers: headers(),
    });
    expect(res.payload?.posts).toHaveLength(2);
    expect(res.variables).toEqual({ postCount: 2 });

    // The call docs/execute.md shows.
    const viaRest = await rest(`/api/v1/connections/${connectionId}/execute`, {
      command: "listPosts",
      metadata: { mockScenario: "empty" },
    });
    expect(viaRest.status).toBe(200);
    expect(viaRest.json).toMatchObject({
      payload: { posts: [], nextPage: null },
      variables: { postCount: 0 },
    });
    expect(api.requests.length).toBe(before);

    const { execution } = await client().getExecution(
      { id: String(viaRest.json.executionId) },
      { headers: headers() },
    );
    expect(execution).toMatchObject({
      status: "succeeded",
      connectionId,
      command: "listPosts",
      mockScenario: "empty",
      protocol: "rest",
    });

    // A real call on the same connection still goes upstream and is recorded as real.
    const real = await client().execute(
      { target: { case: "connectionId", value: connectionId }, command: "listPosts", params: { limit: 1 } },
      { headers: headers() },
    );
    expect(api.requests.length).toBe(before + 1);
    const realRecord = await client().getExecution({ id: real.executionId }, { headers: headers() });
    expect(realRecord.execution?.mockScenario).toBe("");
  });

  it("lists each built-in command's mock scenarios in the catalog, none for a script connector", async () => {
    const tools = async (slug: string) => {
      const res = await fetch(`${t.url}/api/v1/connectors/${slug}`, { headers: headers() });
      const body = (await res.json()) as {
        connector: { tools: { name: string; mockScenarios?: string[] }[] };
      };
      return new Map(body.connector.tools.map((tool) => [tool.name, tool.mockScenarios ?? []]));
    };
    const builtIn = await tools("placeholder-api");
    expect(builtIn.get("listPosts")).toEqual(["default", "empty"]);
    expect(builtIn.get("createPost")).toEqual(["default"]);
    const created = await rest("/api/v1/connectors", {
      name: "listed-script",
      executionModel: "script",
      scriptSource: "function hello() { return { success: true, payload: {} }; }",
      configSchema: { commands: { hello: { params: [] } } },
    });
    expect(created.status).toBeLessThan(300);
    expect((await tools("listed-script")).get("hello")).toEqual([]);
  });

  it("fails a scenario the command does not have with NO_MOCK_SCENARIO, inherited names included", async () => {
    for (const name of ["nope", "constructor", "toString"]) {
      const failure = failureOf(
        await client()
          .execute(onConnection(name), { headers: headers() })
          .catch((e: unknown) => e),
      );
      expect(failure.code).toBe(Code.InvalidArgument);
      expect(failure.detail).toMatchObject({ errorCode: "NO_MOCK_SCENARIO", failureClass: "invalid_params" });
    }
  });

  it("keeps the connection checks of a real call: another tenant's and a pending connection are refused", async () => {
    const before = api.requests.length;
    const stranger = await t.createKey(["execute"], "mallory", "other-tenant");
    const foreign = await client()
      .execute(onConnection("default"), { headers: headers(stranger) })
      .catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(ConnectError);
    expect((foreign as ConnectError).code).toBe(Code.NotFound);

    const pending = await rest("/api/v1/connections", {
      connectorSlug: "placeholder-api",
      label: "never-finished",
    });
    expect((pending.json as { connection: { status: string } }).connection.status).toBe("pending");
    const pendingId = (pending.json as { connection: { id: string } }).connection.id;
    const inactive = await client()
      .execute(
        {
          target: { case: "connectionId", value: pendingId },
          command: "listPosts",
          metadata: { mockScenario: "default" },
        },
        { headers: headers() },
      )
      .catch((e: unknown) => e);
    expect(inactive).toBeInstanceOf(ConnectError);
    expect((inactive as ConnectError).code).toBe(Code.FailedPrecondition);
    expect(api.requests.length).toBe(before);
  });

  it("reads no credentials for a mocked call: one whose sealed credentials cannot be opened still answers", async () => {
    const started = await rest("/api/v1/connections", {
      connectorSlug: "placeholder-api",
      label: "unreadable",
    });
    const id = (started.json as { connection: { id: string } }).connection.id;
    const submitted = await rest(`/api/v1/connections/${id}/credentials`, {
      credentials: { baseUrl: api.baseUrl, apiKey: API_KEY },
    });
    expect(submitted.status).toBe(200);
    // Sealed for another connection's id: opening it fails its binding, as a damaged row would.
    await t.server.db
      .em()
      .getConnection()
      .execute(
        `update connections set sealed_credentials = (select sealed_credentials from connections where id = '${connectionId}') where id = '${id}'`,
      );
    const target = { case: "connectionId" as const, value: id };
    const mocked = await client().execute(
      { target, command: "listPosts", metadata: { mockScenario: "empty" } },
      { headers: headers() },
    );
    expect(mocked.payload).toEqual({ posts: [], nextPage: null });
    const real = await client()
      .execute({ target, command: "listPosts" }, { headers: headers() })
      .catch((e: unknown) => e);
    expect(real).toBeInstanceOf(ConnectError);
    expect((real as ConnectError).code).toBe(Code.Internal);
  });

  it("refuses a mock scenario on a script connector with MOCK_UNSUPPORTED", async () => {
    const created = await rest("/api/v1/connectors", {
      name: "mockless-script",
      executionModel: "script",
      scriptSource: "function hello() { return { success: true, payload: { ran: true } }; }",
      configSchema: { commands: { hello: { params: [] } } },
    });
    expect(created.status).toBeLessThan(300);
    const res = await rest("/api/v1/connectors/mockless-script/execute", {
      command: "hello",
      metadata: { mockScenario: "default" },
    });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("invalid_argument");
    expect(String(res.json.message)).toContain("mock_scenario");
    expect(JSON.stringify(res.json.details)).toContain("MOCK_UNSUPPORTED");
    // The same call without the scenario runs the script.
    const real = await rest("/api/v1/connectors/mockless-script/execute", { command: "hello" });
    expect(real.json).toMatchObject({ payload: { ran: true } });
  });

  it("refuses a hostile scenario name with INVALID_ARGUMENT naming the field", async () => {
    for (const name of ["a b", "../etc", "x".repeat(65), "dé", "<script>"]) {
      const error = await client()
        .execute(onConnection(name), { headers: headers() })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.InvalidArgument);
      expect((error as ConnectError).rawMessage).toContain("mock_scenario");
      expect((error as ConnectError).findDetails(ExecutionFailureSchema)).toEqual([]);
    }
  });

  it("binds an idempotency key to the scenario: a replay answers again, a real call with the key is refused", async () => {
    const key = `mock-${crypto.randomUUID()}`;
    const first = await client().execute(onConnection("empty", { idempotencyKey: key }), {
      headers: headers(),
    });
    const again = await client().execute(onConnection("empty", { idempotencyKey: key }), {
      headers: headers(),
    });
    expect(again.executionId).toBe(first.executionId);
    expect(again.payload).toEqual({ posts: [], nextPage: null });
    for (const metadata of [{ idempotencyKey: key }, { idempotencyKey: key, mockScenario: "default" }]) {
      const error = await client()
        .execute(
          { target: { case: "connectionId", value: connectionId }, command: "listPosts", metadata },
          { headers: headers() },
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.AlreadyExists);
    }
  });
});
