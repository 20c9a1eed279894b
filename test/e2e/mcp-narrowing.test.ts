import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { MCP_PAGE_SIZE } from "../../src/mcp/list-page.ts";
import { type RunningServer, startServer } from "../../src/server/start-server.ts";
import {
  type FakePlaceholderApi,
  startFakePlaceholderApi,
} from "../connectors/builtin/fake-placeholder-api.ts";
import { LogCapture } from "../support/log-capture.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

// What an agent is offered at /mcp: the tool list narrowed by the endpoint URL's query (or headers) to
// connections, connectors, commands and tool groups, checked before anything is served, applied to
// tools/list and tools/call alike; and tools/list one page at a time with opaque, signed cursors.

const API_KEY = "pk-narrow-secret-1234";
/** More auth-less tools than one page holds, so the full list takes two pages. */
const BIG_COMMANDS = 120;

describe.each(BACKENDS)("MCP tool narrowing and pagination on %s", (backend) => {
  let t: TestServer;
  let api: FakePlaceholderApi;
  let agentKey = "";
  let blogId = "";
  let shopId = "";
  let otherSubjectConnection = "";

  async function connect(key: string, query = "", headers: Record<string, string> = {}): Promise<Client> {
    const client = new Client({ name: "mcp-narrowing-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${t.url}/mcp${query}`), {
        requestInit: { headers: { authorization: `Bearer ${key}`, ...headers } },
      }),
    );
    return client;
  }

  /** Every page of tools/list, in order, and how many pages it took. */
  async function allTools(client: Client): Promise<{ tools: Tool[]; pages: number }> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.listTools(cursor === undefined ? {} : { cursor });
      tools.push(...page.tools);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== undefined && pages < 20);
    return { tools, pages };
  }

  const post = (key: string, path: string, body: unknown) =>
    fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  async function connectPlaceholder(key: string, label: string): Promise<string> {
    const started = await post(key, "/api/v1/connections", { connectorSlug: "placeholder-api", label });
    const id = ((await started.json()) as { connection: { id: string } }).connection.id;
    const submitted = await post(key, `/api/v1/connections/${id}/credentials`, {
      credentials: { baseUrl: api.baseUrl, apiKey: API_KEY },
    });
    expect(submitted.status).toBe(200);
    return id;
  }

  /** A raw tools/list POST, for what the SDK client turns into an exception. */
  const rawList = (key: string, query: string, headers: Record<string, string> = {}) =>
    fetch(`${t.url}/mcp${query}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...headers,
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });

  beforeAll(async () => {
    api = await startFakePlaceholderApi(API_KEY);
    t = await startTestServer(backend);
    agentKey = await t.createKey(["mcp", "execute", "connections", "catalog:write"], "agent-1");
    blogId = await connectPlaceholder(agentKey, "Blog");
    shopId = await connectPlaceholder(agentKey, "Shop");
    otherSubjectConnection = await connectPlaceholder(
      await t.createKey(["mcp", "execute", "connections"], "agent-2"),
      "Private",
    );
    // A connector without auth in this tenant with more commands than one page holds.
    const commands = Object.fromEntries(
      Array.from({ length: BIG_COMMANDS }, (_, i) => [`cmd${String(i).padStart(3, "0")}`, {}]),
    );
    const created = await post(agentKey, "/api/v1/connectors", {
      name: "big-tools",
      executionModel: "script",
      configSchema: { connectionConfig: {}, commands },
      scriptSource: Object.keys(commands)
        .map((name) => `function ${name}() { return { success: true, payload: { name: "${name}" } }; }`)
        .join("\n"),
    });
    expect(created.status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await api?.close();
  });

  it("pages tools/list: 100 per page, a cursor to the next, every tool once, in a stable order", async () => {
    const client = await connect(agentKey);
    try {
      const first = await client.listTools();
      expect(first.tools).toHaveLength(MCP_PAGE_SIZE);
      expect(typeof first.nextCursor).toBe("string");
      const { tools, pages } = await allTools(client);
      expect(pages).toBeGreaterThanOrEqual(2);
      const names = tools.map((tool) => tool.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names).toEqual(expect.arrayContaining(["Blog_listPosts", "Shop_listPosts", "echo_echo"]));
      expect(names.filter((name) => name.startsWith("big-tools_"))).toHaveLength(BIG_COMMANDS);
      // The same walk gives the same list (the order is stable, nothing is held between requests).
      expect((await allTools(client)).tools.map((tool) => tool.name)).toEqual(names);
      // A tool of the second page runs.
      const last = await client.callTool({ name: "big-tools_cmd119", arguments: {} });
      expect(last.structuredContent).toEqual({ name: "cmd119" });
    } finally {
      await client.close();
    }
  });

  it("refuses a cursor that is not one of ours, or one made for another narrowing, as InvalidParams", async () => {
    const client = await connect(agentKey);
    const narrowed = await connect(agentKey, "?tools=connectors");
    try {
      await expect(client.listTools({ cursor: "not-a-cursor" })).rejects.toMatchObject({
        code: ErrorCode.InvalidParams,
        message: expect.stringContaining("cursor is invalid"),
      });
      const { nextCursor } = await client.listTools();
      expect(nextCursor).toBeDefined();
      await expect(narrowed.listTools({ cursor: nextCursor ?? "" })).rejects.toMatchObject({
        code: ErrorCode.InvalidParams,
      });
      const tampered = `${(nextCursor ?? "").slice(0, -2)}AA`;
      await expect(client.listTools({ cursor: tampered })).rejects.toMatchObject({
        code: ErrorCode.InvalidParams,
      });
    } finally {
      await client.close();
      await narrowed.close();
    }
  });

  it("narrows to one connection by the URL's query, with the names the whole list gives", async () => {
    const client = await connect(agentKey, `?connection=${blogId}&tools=connectors`);
    try {
      const { tools } = await client.listTools();
      const names = tools.map((tool) => tool.name);
      expect(names.length).toBeGreaterThan(0);
      expect(names.every((name) => name.startsWith("Blog_"))).toBe(true);
      expect(names).toContain("Blog_listPosts");
      const ok = await client.callTool({ name: "Blog_listPosts", arguments: { page: 1, limit: 1 } });
      expect(ok.isError).toBeFalsy();
      // Outside the narrowed set a tool is unknown: another connection, an auth-less one, a building tool.
      for (const name of ["Shop_listPosts", "echo_echo", "create_connector"]) {
        await expect(client.callTool({ name, arguments: {} })).rejects.toMatchObject({
          code: ErrorCode.InvalidParams,
          message: expect.stringContaining("unknown tool"),
        });
      }
    } finally {
      await client.close();
    }
  });

  it("narrows by connector and by command, values comma-separated, lists narrowing together", async () => {
    const byConnector = await connect(agentKey, "?connector=echo,delay&tools=connectors");
    const byCommand = await connect(agentKey, "?command=listPosts,test");
    const both = await connect(agentKey, `?connection=${shopId}&command=createPost&tools=connectors`);
    try {
      expect((await byConnector.listTools()).tools.map((tool) => tool.name).sort()).toEqual([
        "delay_wait",
        "echo_echo",
      ]);
      const commandNames = (await byCommand.listTools()).tools.map((tool) => tool.name);
      // tools defaults to both groups: the building tools the key may use come first.
      expect(commandNames).toContain("create_connector");
      expect(commandNames).toEqual(
        expect.arrayContaining(["Blog_listPosts", "Shop_listPosts", "Blog_test", "Shop_test"]),
      );
      expect(commandNames.some((name) => name.endsWith("_createPost") || name === "echo_echo")).toBe(false);
      expect((await both.listTools()).tools.map((tool) => tool.name)).toEqual(["Shop_createPost"]);
    } finally {
      await byConnector.close();
      await byCommand.close();
      await both.close();
    }
  });

  it("takes the same narrowing as x-patchbay-mcp-* headers, and the building tools alone", async () => {
    const client = await connect(agentKey, "", {
      "x-patchbay-mcp-connector": "echo",
      "x-patchbay-mcp-tools": "connectors",
    });
    const building = await connect(agentKey, "?tools=building");
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(["echo_echo"]);
      const names = (await building.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain("create_connector");
      expect(names.some((name) => name.includes("_listPosts") || name === "echo_echo")).toBe(false);
      await expect(building.callTool({ name: "echo_echo", arguments: {} })).rejects.toMatchObject({
        code: ErrorCode.InvalidParams,
      });
    } finally {
      await client.close();
      await building.close();
    }
  });

  it("answers 400 naming the parameter for a malformed, repeated, unknown or doubled narrowing", async () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ["?connection=not-a-uuid", {}, /^connection value 1 is not a connection id/],
      [`?connection=${blogId},`, {}, /^connection value 2 is empty/],
      [`?connection=${blogId}&connection=${shopId}`, {}, /^connection is given more than once/],
      ["?connector=a%20b", {}, /^connector value 1 is not a connector slug/],
      ["?tools=everything", {}, /^tools must be one of all, connectors, building/],
      ["?conection=x", {}, /^unknown query parameter 'conection'/],
      ["?tools=building&connector=echo", {}, /tools=building leaves out/],
      ["?connector=echo", { "x-patchbay-mcp-connector": "delay" }, /^connector is given both/],
      ["", { "x-patchbay-mcp-command": "a,,b" }, /^command value 2 is empty/],
    ];
    for (const [query, headers, message] of cases) {
      const res = await rawList(agentKey, query, headers);
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { code: string; message: string };
      expect(body.code).toBe("invalid_argument");
      expect(body.message).toMatch(message);
      expect(res.headers.get("x-request-id")).toBeTruthy();
    }
    // The SDK client sees the refusal when it connects, with the parameter named.
    await expect(connect(agentKey, "?connection=nope")).rejects.toThrow(/connection value 1/);
  });

  it("answers 400 for values that name nothing of the caller's: unknown connection, connector, command", async () => {
    const cases: [string, RegExp][] = [
      ["?connection=00000000-0000-4000-8000-000000000000", /^connection value 1 is not one of your/],
      ["?connector=no-such-connector", /^connector value 1 is not a connector you can see/],
      ["?connector=Not_A_Slug", /^connector value 1 is not a connector you can see/],
      ["?command=noSuchCommand", /^command value 1 is not a command of any tool/],
      // A command of a connector the other lists leave out.
      [`?connection=${blogId}&command=echo`, /^command value 1 is not a command/],
    ];
    for (const [query, message] of cases) {
      const res = await rawList(agentKey, query);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(message);
    }
  });

  it("cannot reach another subject's or another tenant's connection or connector (attacker side)", async () => {
    // Another subject's connection answers exactly as an id that names nothing.
    const res = await rawList(agentKey, `?connection=${otherSubjectConnection}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { message: string };
    expect(body.message).toBe("connection value 1 is not one of your active connections");
    expect(JSON.stringify(body)).not.toContain(otherSubjectConnection);

    const intruder = await t.createKey(["mcp", "execute", "connections"], "agent-1", "other-tenant");
    for (const query of [`?connection=${blogId}`, "?connector=big-tools"]) {
      const refused = await rawList(intruder, query);
      expect(refused.status, query).toBe(400);
    }
    // Nor can it call the tools by name, narrowed or not.
    const client = await connect(intruder, "?connector=echo");
    try {
      await expect(client.callTool({ name: "Blog_listPosts", arguments: {} })).rejects.toMatchObject({
        code: ErrorCode.InvalidParams,
      });
    } finally {
      await client.close();
    }
  });
});

describe("tools/list cursors on two replicas", () => {
  let a: TestServer;
  let b: RunningServer;

  beforeAll(async () => {
    a = await startTestServer("postgresql");
    b = await startServer(loadConfig(a.env, false), {
      logger: createLogger({ level: "warn", format: "json", destination: new LogCapture().stream }),
      notice: () => undefined,
    });
  }, 120_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it("reads one replica's cursor on the other: nothing of the list is held between requests", async () => {
    const key = await a.createKey(["mcp", "execute", "catalog:write"], "agent-r");
    const commands = Object.fromEntries(Array.from({ length: BIG_COMMANDS }, (_, i) => [`c${i}`, {}]));
    const created = await fetch(`${a.url}/api/v1/connectors`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "replica-tools",
        executionModel: "script",
        configSchema: { connectionConfig: {}, commands },
        scriptSource: Object.keys(commands)
          .map((name) => `function ${name}() { return { success: true, payload: {} }; }`)
          .join("\n"),
      }),
    });
    expect(created.status).toBe(200);
    const connectTo = async (base: string) => {
      const client = new Client({ name: "mcp-replica-cursor", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${base}/mcp?tools=connectors`), {
          requestInit: { headers: { authorization: `Bearer ${key}` } },
        }),
      );
      return client;
    };
    const [onA, onB] = [await connectTo(a.url), await connectTo(b.url)];
    try {
      const first = await onA.listTools();
      expect(first.nextCursor).toBeDefined();
      const second = await onB.listTools({ cursor: first.nextCursor ?? "" });
      const names = [...first.tools, ...second.tools].map((tool) => tool.name);
      expect(second.nextCursor).toBeUndefined();
      expect(names.filter((name) => name.startsWith("replica-tools_"))).toHaveLength(BIG_COMMANDS);
      expect(new Set(names).size).toBe(names.length);
    } finally {
      await onA.close();
      await onB.close();
    }
  });
});
