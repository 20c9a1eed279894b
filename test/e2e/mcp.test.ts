import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { type RunningServer, startServer } from "../../src/server/start-server.ts";
import {
  type FakePlaceholderApi,
  startFakePlaceholderApi,
} from "../connectors/builtin/fake-placeholder-api.ts";
import { LogCapture } from "../support/log-capture.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

// Issue 20, first slice (items 1-4): the MCP endpoint (/mcp, Streamable HTTP, stateless) driven by the
// SDK's own client: connector tools listed per caller, called through Execute's path, refused without the
// right key or scopes, with the other protocols' body limit, request id, log line and rate limit.

const API_KEY = "pk-mcp-secret-5678";

describe.each(BACKENDS)("MCP over Streamable HTTP (/mcp) on %s", (backend) => {
  let t: TestServer;
  let api: FakePlaceholderApi;
  let connectionId = "";
  let agentKey = "";

  async function connect(key: string | undefined): Promise<Client> {
    const client = new Client({ name: "mcp-test", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
      requestInit: { headers: key === undefined ? {} : { authorization: `Bearer ${key}` } },
    });
    await client.connect(transport);
    return client;
  }

  const rest = (key: string, path: string, body: unknown) =>
    fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    api = await startFakePlaceholderApi(API_KEY);
    t = await startTestServer(backend, { PATCHBAY_MAX_BODY_BYTES: "4096" });
    agentKey = await t.createKey(["mcp", "execute", "connections"], "agent-1");
    const started = await rest(agentKey, "/api/v1/connections", {
      connectorSlug: "placeholder-api",
      label: "Blog",
    });
    connectionId = ((await started.json()) as { connection: { id: string } }).connection.id;
    const submitted = await rest(agentKey, `/api/v1/connections/${connectionId}/credentials`, {
      credentials: { baseUrl: api.baseUrl, apiKey: API_KEY },
    });
    expect(submitted.status).toBe(200);
  });
  afterAll(async () => {
    await t?.stop();
    await api?.close();
  });

  it("lists one tool per command of the caller's connections and of connectors without auth", async () => {
    const client = await connect(agentKey);
    try {
      const { tools } = await client.listTools();
      const names = tools.map((tool) => tool.name);
      expect(names).toEqual(expect.arrayContaining(["Blog_listPosts", "Blog_createPost", "Blog_test"]));
      expect(names).toEqual(expect.arrayContaining(["echo_echo", "delay_wait"]));
      for (const name of names) expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      const listPosts = tools.find((tool) => tool.name === "Blog_listPosts");
      expect(listPosts?.description).toContain("List one page of posts.");
      expect(listPosts?.inputSchema.type).toBe("object");
      expect(Object.keys(listPosts?.inputSchema.properties ?? {})).toEqual(
        expect.arrayContaining(["page", "limit"]),
      );
      expect(listPosts?.outputSchema).toMatchObject({
        type: "object",
        properties: { posts: {}, nextPage: {} },
      });
      const wait = tools.find((tool) => tool.name === "delay_wait");
      expect(wait?.inputSchema.properties?.delayMs).toMatchObject({ type: "number", default: 1000 });
    } finally {
      await client.close();
    }
  });

  it("calls a tool that succeeds: the payload as structuredContent and as text, recorded as an execution", async () => {
    const client = await connect(agentKey);
    try {
      const result = await client.callTool({ name: "Blog_listPosts", arguments: { page: 1, limit: 2 } });
      expect(result.isError).toBeFalsy();
      const payload = result.structuredContent as { posts: unknown[] };
      expect(Array.isArray(payload.posts)).toBe(true);
      expect(result.content).toEqual([{ type: "text", text: JSON.stringify(payload) }]);

      const echoed = await client.callTool({ name: "echo_echo", arguments: { message: { hi: 1 } } });
      expect(echoed.structuredContent).toEqual({ message: { hi: 1 } });
    } finally {
      await client.close();
    }
    const listed = await fetch(`${t.url}/api/v1/executions?connectionId=${connectionId}`, {
      headers: { authorization: `Bearer ${agentKey}` },
    });
    const { executions } = (await listed.json()) as {
      executions: { command: string; status: string; protocol: string }[];
    };
    // The record says the run came through MCP.
    expect(
      executions.some((e) => e.command === "listPosts" && e.status === "succeeded" && e.protocol === "mcp"),
    ).toBe(true);
  });

  it("calls a tool that fails: isError with the operator-safe message and codes", async () => {
    const client = await connect(agentKey);
    try {
      const result = await client.callTool({ name: "Blog_listPosts", arguments: { page: 1, limit: 500 } });
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toMatchObject({
        code: "failed_precondition",
        errorCode: "COMMAND_FAILED",
        message: "limit must be a whole number from 1 to 100",
      });
      expect(JSON.stringify(result)).not.toContain(API_KEY);
    } finally {
      await client.close();
    }
  });

  it("refuses a tool of a connection revoked a moment ago, whose name still resolved", async () => {
    const key = await t.createKey(["mcp", "execute", "connections"], "agent-revoking");
    const started = await rest(key, "/api/v1/connections", {
      connectorSlug: "placeholder-api",
      label: "Gone",
    });
    const id = ((await started.json()) as { connection: { id: string } }).connection.id;
    await rest(key, `/api/v1/connections/${id}/credentials`, {
      credentials: { baseUrl: api.baseUrl, apiKey: API_KEY },
    });
    const client = await connect(key);
    try {
      // A call resolves the name and keeps what it read for a moment.
      expect(
        (await client.callTool({ name: "Gone_listPosts", arguments: { page: 1, limit: 1 } })).isError,
      ).toBeFalsy();
      const revoked = await fetch(`${t.url}/api/v1/connections/${id}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${key}` },
      });
      expect(revoked.ok).toBe(true);
      const reachedBefore = api.requests.length;
      // Right away: the name may still resolve, but the connection is read again and refused.
      const refused = await client.callTool({ name: "Gone_listPosts", arguments: { page: 1, limit: 1 } });
      expect(refused.isError).toBe(true);
      expect(JSON.stringify(refused.structuredContent)).toMatch(
        /failed_precondition|not_found|invalid_params/,
      );
      // The refused call never reached the upstream.
      expect(api.requests.length).toBe(reachedBefore);
    } finally {
      await client.close();
    }
  });

  it("answers 401 with WWW-Authenticate and the protected-resource metadata without a key", async () => {
    const res = await fetch(`${t.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate") ?? "";
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain("resource_metadata=");
    expect(res.headers.get("x-request-id")).toBeTruthy();
    await expect(connect(undefined)).rejects.toThrow();
    const bad = await fetch(`${t.url}/mcp`, {
      method: "POST",
      headers: { "x-api-key": "pb_not-a-key", "content-type": "application/json" },
      body: "{}",
    });
    expect(bad.status).toBe(401);

    const metadata = await fetch(`${t.url}/.well-known/oauth-protected-resource`);
    expect(metadata.status).toBe(200);
    const body = (await metadata.json()) as { resource: string; bearer_methods_supported: string[] };
    expect(body.resource).toMatch(/\/mcp$/);
    expect(body.bearer_methods_supported).toEqual(["header"]);
  });

  it("refuses a key without 'mcp' (403) and a connector tool to a key without 'execute'", async () => {
    const noMcp = await t.createKey(["execute", "connections"], "agent-1");
    await expect(connect(noMcp)).rejects.toThrow();
    const res = await fetch(`${t.url}/mcp`, {
      method: "POST",
      headers: { authorization: `Bearer ${noMcp}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(403);

    const noExecute = await t.createKey(["mcp"], "agent-1");
    const client = await connect(noExecute);
    try {
      expect((await client.listTools()).tools).toEqual([]);
      const result = await client.callTool({ name: "Blog_listPosts", arguments: { page: 1, limit: 2 } });
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toMatchObject({ code: "permission_denied" });
    } finally {
      await client.close();
    }
  });

  it("never lists or runs another tenant's connections (attacker side)", async () => {
    const attacker = await t.createKey(["mcp", "execute", "connections"], "agent-1", "other-tenant");
    const client = await connect(attacker);
    try {
      const { tools } = await client.listTools();
      expect(tools.some((tool) => tool.name.startsWith("Blog_"))).toBe(false);
      expect(JSON.stringify(tools)).not.toContain(connectionId);
      await expect(client.callTool({ name: "Blog_listPosts", arguments: {} })).rejects.toThrow(
        /unknown tool/,
      );
    } finally {
      await client.close();
    }
    const sameTenantOtherSubject = await t.createKey(["mcp", "execute"], "agent-2");
    const other = await connect(sameTenantOtherSubject);
    try {
      const { tools } = await other.listTools();
      expect(tools.some((tool) => tool.name.startsWith("Blog_"))).toBe(false);
    } finally {
      await other.close();
    }
  });

  it("refuses a body over PATCHBAY_MAX_BODY_BYTES with 413, as the other protocols do", async () => {
    const res = await fetch(`${t.url}/mcp`, {
      method: "POST",
      headers: { authorization: `Bearer ${agentKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/list",
        params: { pad: "x".repeat(5000) },
      }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "resource_exhausted" });
  });

  it("writes one request log line per MCP request, with the request id and the principal", async () => {
    const client = await connect(agentKey);
    try {
      await client.callTool({ name: "echo_echo", arguments: { message: "x" } });
    } finally {
      await client.close();
    }
    const lines = t.logs.lines().filter((line) => line.procedure === "/mcp/tools/call");
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.at(-1)).toMatchObject({ protocol: "mcp", code: "ok" });
    expect(lines.at(-1)?.principal).toBeTruthy();
    expect(lines.at(-1)?.reqId).toBeTruthy();

    const failing = await connect(agentKey);
    try {
      await failing.callTool({ name: "Blog_listPosts", arguments: { page: 1, limit: 500 } });
    } finally {
      await failing.close();
    }
    const failed = t.logs.lines().filter((line) => line.procedure === "/mcp/tools/call");
    expect(failed.at(-1)).toMatchObject({ protocol: "mcp", code: "failed_precondition" });
  });
});

describe("MCP rate limits: the key's one limit, shared with the other protocols", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql", { PATCHBAY_RATE_LIMITS: "standard=3/60s" });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("counts /mcp requests with REST calls and answers 429 with retry-after past the limit", async () => {
    const key = await t.createKey(["mcp", "execute", "catalog:read"], "agent-1");
    const auth = { authorization: `Bearer ${key}` };
    const post = () =>
      fetch(`${t.url}/mcp`, {
        method: "POST",
        headers: {
          ...auth,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
    expect((await fetch(`${t.url}/api/v1/connectors`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${t.url}/api/v1/connectors`, { headers: auth })).status).toBe(200);
    const third = await post();
    expect(third.status).toBe(200);
    expect(third.headers.get("x-ratelimit-limit")).toBe("3");
    expect(third.headers.get("x-request-id")).toBeTruthy();
    expect(third.headers.get("x-ratelimit-remaining")).toBe("0");
    const fourth = await post();
    expect(fourth.status).toBe(429);
    expect(Number(fourth.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await fourth.json()).toMatchObject({ code: "resource_exhausted" });
  });
});

describe("MCP is stateless: one client's requests answered by two replicas in turn", () => {
  let a: TestServer;
  let b: RunningServer;
  let api: FakePlaceholderApi;

  beforeAll(async () => {
    api = await startFakePlaceholderApi(API_KEY);
    a = await startTestServer("postgresql");
    b = await startServer(loadConfig(a.env, false), {
      logger: createLogger({ level: "warn", format: "json", destination: new LogCapture().stream }),
      notice: () => undefined,
    });
  }, 120_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await api?.close();
  });

  it("initializes on one replica, lists and calls on the other, with no session between them", async () => {
    const key = await a.createKey(["mcp", "execute", "connections"], "agent-r");
    const started = await fetch(`${a.url}/api/v1/connections`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ connectorSlug: "placeholder-api", label: "Shop" }),
    });
    const { connection } = (await started.json()) as { connection: { id: string } };
    const submitted = await fetch(`${a.url}/api/v1/connections/${connection.id}/credentials`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ credentials: { baseUrl: api.baseUrl, apiKey: API_KEY } }),
    });
    expect(submitted.status).toBe(200);

    // Each request goes to the next replica, as a round-robin load balancer would send it.
    const bases = [a.url, b.url];
    const answeredBy: string[] = [];
    let turn = 0;
    const roundRobin = (input: string | URL, init?: RequestInit) => {
      const base = bases[turn++ % bases.length] ?? a.url;
      answeredBy.push(base);
      const url = new URL(input.toString());
      return fetch(`${base}${url.pathname}`, init);
    };
    const client = new Client({ name: "mcp-replicas", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${a.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
        fetch: roundRobin,
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toContain("Shop_listPosts");
      const result = await client.callTool({ name: "Shop_listPosts", arguments: { page: 1, limit: 1 } });
      expect(result.isError).toBeFalsy();
      expect(client.getServerVersion()?.name).toBe("patchbay");
    } finally {
      await client.close();
    }
    expect(new Set(answeredBy)).toEqual(new Set(bases));
  });
});
