import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDEMPOTENCY_KEY_META, TIMEOUT_MS_META } from "../../src/mcp/call-options.ts";
import {
  type FakePlaceholderApi,
  startFakePlaceholderApi,
} from "../connectors/builtin/fake-placeholder-api.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

// A connector tool call with Execute's idempotency key and time budget, carried in the tools/call
// request's `_meta` under our namespaced keys: a replay answers the stored outcome as Execute does, the
// budget ends the command as Execute's `metadata.timeout_ms` does, a bad value names the key.

const API_KEY = "pk-options-secret-4321";

describe.each(BACKENDS)("MCP tools/call idempotency key and deadline on %s", (backend) => {
  let t: TestServer;
  let api: FakePlaceholderApi;
  let client: Client;
  let agentKey = "";

  const post = (path: string, body: unknown) =>
    fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${agentKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    api = await startFakePlaceholderApi(API_KEY);
    t = await startTestServer(backend);
    agentKey = await t.createKey(["mcp", "execute", "connections"], "agent-1");
    const started = await post("/api/v1/connections", { connectorSlug: "placeholder-api", label: "Blog" });
    const id = ((await started.json()) as { connection: { id: string } }).connection.id;
    const submitted = await post(`/api/v1/connections/${id}/credentials`, {
      credentials: { baseUrl: api.baseUrl, apiKey: API_KEY },
    });
    expect(submitted.status).toBe(200);
    client = new Client({ name: "mcp-options-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${agentKey}` } },
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await t?.stop();
    await api?.close();
  });

  it("runs a command once per idempotency key: a replay answers the first outcome and execution id", async () => {
    const call = (title: string, key: string) =>
      client.callTool({
        name: "Blog_createPost",
        arguments: { title, body: "text", userId: 1 },
        _meta: { [IDEMPOTENCY_KEY_META]: key },
      });
    const creates = () => api.requests.filter((r) => r.method === "POST").length;
    const before = creates();
    const first = await call("Hello", "post-1");
    expect(first.isError).toBeFalsy();
    const again = await call("Hello", "post-1");
    expect(again.structuredContent).toEqual(first.structuredContent);
    expect(again._meta?.executionId).toBe(first._meta?.executionId);
    // The upstream saw one create.
    expect(creates() - before).toBe(1);

    // The same key with another request is Execute's conflict.
    const conflict = await call("Other", "post-1");
    expect(conflict.isError).toBe(true);
    expect(conflict.structuredContent).toMatchObject({ code: "already_exists" });
    expect(creates() - before).toBe(1);

    // The run is recorded as MCP's, under the execution id the answer gave.
    const listed = await fetch(`${t.url}/api/v1/executions/${String(first._meta?.executionId)}`, {
      headers: { authorization: `Bearer ${agentKey}` },
    });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toMatchObject({ execution: { protocol: "mcp", command: "createPost" } });
  });

  it("replays a failure with its codes, as Execute does", async () => {
    const call = () =>
      client.callTool({
        name: "Blog_listPosts",
        arguments: { page: 1, limit: 500 },
        _meta: { [IDEMPOTENCY_KEY_META]: "bad-limit-1" },
      });
    const first = await call();
    expect(first.isError).toBe(true);
    expect(first.structuredContent).toMatchObject({
      code: "failed_precondition",
      errorCode: "COMMAND_FAILED",
      message: "limit must be a whole number from 1 to 100",
    });
    const again = await call();
    expect(again.structuredContent).toEqual(first.structuredContent);
  });

  it("ends a command at the caller's time budget, with and without an idempotency key", async () => {
    // The budget (20 ms) is far below what the command would take (an hour): no race to lose.
    for (const meta of [
      { [TIMEOUT_MS_META]: 20 },
      { [TIMEOUT_MS_META]: 20, [IDEMPOTENCY_KEY_META]: "slow-1" },
    ]) {
      const result = await client.callTool({
        name: "delay_wait",
        arguments: { delayMs: 3_600_000 },
        _meta: meta,
      });
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toMatchObject({ code: "deadline_exceeded", errorCode: "TIMEOUT" });
      expect(String((result.structuredContent as { message: string }).message)).toContain("20 ms");
    }
    // A budget the command fits in runs it.
    const ok = await client.callTool({
      name: "delay_wait",
      arguments: { delayMs: 1 },
      _meta: { [TIMEOUT_MS_META]: 60_000 },
    });
    expect(ok.structuredContent).toEqual({ delayed: 1 });
  });

  it("answers isError invalid_argument naming the _meta key for a bad idempotency key or time budget", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ [TIMEOUT_MS_META]: -1 }, TIMEOUT_MS_META],
      [{ [TIMEOUT_MS_META]: 1.5 }, TIMEOUT_MS_META],
      [{ [TIMEOUT_MS_META]: "100" }, TIMEOUT_MS_META],
      [{ [IDEMPOTENCY_KEY_META]: 42 }, IDEMPOTENCY_KEY_META],
      [{ [IDEMPOTENCY_KEY_META]: "k".repeat(129) }, IDEMPOTENCY_KEY_META],
    ];
    for (const [meta, field] of cases) {
      const result = await client.callTool({ name: "echo_echo", arguments: { message: "x" }, _meta: meta });
      expect(result.isError, JSON.stringify(meta)).toBe(true);
      expect(result.structuredContent).toMatchObject({
        code: "invalid_argument",
        errorCode: "INVALID_ARGUMENT",
        message: expect.stringContaining(field),
      });
    }
  });
});
