import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoopbackServer, startLoopbackServer } from "../outbound/loopback-server.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

// Issue 20, building tools (seed 004's six MCP tools, plus list_connectors and get_capabilities): the
// "Example AI Workflow" — parse an OpenAPI document, create the connector, test it, execute a command —
// driven through MCP tools only (the connection's credentials go in over REST: no MCP tool submits them),
// against a fake API on loopback; scope refusals; a generated script CreateConnector accepts.

const TOKEN = "fake-api-token-0123456789";

/** The fake API's OpenAPI document: a bearer-token API with a marked credential test and two reads. */
function fakeApiDocument(baseUrl: string): string {
  return JSON.stringify({
    openapi: "3.0.3",
    info: { title: "Fake Tasks", version: "1.2.0" },
    servers: [{ url: baseUrl }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths: {
      "/me": {
        get: { operationId: "getMe", "x-patchbay-test": true, responses: { "200": { description: "Me" } } },
      },
      "/tasks/{id}": {
        get: {
          operationId: "getTask",
          summary: "One task",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: { "200": { description: "The task" } },
        },
      },
    },
  });
}

describe.each(BACKENDS)("MCP building tools on %s", (backend) => {
  let t: TestServer;
  let api: LoopbackServer;
  let builderKey = "";
  let readerKey = "";
  let connectionId = "";

  async function connect(key: string): Promise<Client> {
    const client = new Client({ name: "mcp-building-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    return client;
  }

  const rest = async (key: string, path: string, body: unknown) => {
    const res = await fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    api = await startLoopbackServer("127.0.0.1", (req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.headers.authorization !== `Bearer ${TOKEN}`) res.writeHead(401).end('{"error":"no"}');
      else if (req.url === "/me") res.end('{"login":"ada"}');
      else if (req.url?.startsWith("/tasks/")) res.end(JSON.stringify({ id: req.url.slice(7), done: false }));
      else res.writeHead(404).end("{}");
    });
    // The egress allow-list holds 127.0.0.1 (startTestServer's default), where the fake API listens.
    t = await startTestServer(backend);
    builderKey = await t.createKey(
      ["mcp", "catalog:read", "catalog:write", "execute", "connections"],
      "builder",
    );
    readerKey = await t.createKey(["mcp", "catalog:read"], "reader");
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await api?.close();
  });

  it("lists the building tools a key's scopes allow, with JSON Schema inputs (item: building tools)", async () => {
    const builder = await connect(builderKey);
    const reader = await connect(readerKey);
    try {
      const all = (await builder.listTools()).tools;
      const names = all.map((tool) => tool.name);
      expect(names).toEqual(
        expect.arrayContaining([
          "list_connectors",
          "get_capabilities",
          "parse_openapi_spec",
          "create_connector",
          "update_connector_script",
          "test_connector",
          "execute_connector_command",
          "generate_connector_script",
        ]),
      );
      const create = all.find((tool) => tool.name === "create_connector");
      expect(create?.inputSchema.required).toEqual(["name", "executionModel"]);
      expect(create?.description).toBeTruthy();

      // catalog:read alone: the reads, nothing that writes or runs.
      const readable = (await reader.listTools()).tools.map((tool) => tool.name);
      expect(readable).toEqual(["list_connectors", "get_capabilities"]);
    } finally {
      await builder.close();
      await reader.close();
    }
  });

  it("runs the Example AI Workflow through MCP tools: parse, create, test, execute", async () => {
    const client = await connect(builderKey);
    try {
      const parsed = await client.callTool({
        name: "parse_openapi_spec",
        arguments: { document: fakeApiDocument(api.origin), name: "fake-tasks" },
      });
      expect(parsed.isError, JSON.stringify(parsed)).toBeFalsy();
      const draft = parsed.structuredContent as {
        draft: { operations: { command: string }[] };
        createRequest: Record<string, unknown>;
      };
      expect(draft.draft.operations.map((o) => o.command)).toEqual(expect.arrayContaining(["test"]));

      const created = await client.callTool({ name: "create_connector", arguments: draft.createRequest });
      expect(created.isError, JSON.stringify(created)).toBeFalsy();
      expect(created.structuredContent).toMatchObject({
        connector: { slug: "fake-tasks", executionModel: "openapi", authType: "api_key" },
      });

      // The procedure's own log line says it came over MCP, under the `/mcp` request's id.
      const inner = t.logs
        .lines()
        .find((line) => line.procedure === "/patchbay.v1.CatalogService/CreateConnector");
      expect(inner).toMatchObject({ protocol: "mcp", code: "ok" });
      const outer = t.logs
        .lines()
        .filter((line) => line.procedure === "/mcp/tools/call" && line.reqId === inner?.reqId);
      expect(outer).toHaveLength(1);

      const listed = await client.callTool({ name: "list_connectors", arguments: { q: "fake-tasks" } });
      expect(listed.structuredContent).toMatchObject({ connectors: [{ slug: "fake-tasks" }] });
      const capabilities = await client.callTool({
        name: "get_capabilities",
        arguments: { slug: "fake-tasks" },
      });
      const commands = (capabilities.structuredContent as { commands: { name: string }[] }).commands;
      const getTask = commands.find((c) => c.name !== "test")?.name ?? "";
      expect(getTask).not.toBe("");

      // No MCP tool takes credentials: the connection is made over REST, as a user's app would.
      const started = await rest(builderKey, "/api/v1/connections", { connectorSlug: "fake-tasks" });
      expect(started.status, JSON.stringify(started.json)).toBe(201);
      connectionId = (started.json.connection as { id: string }).id;
      const submitted = await rest(builderKey, `/api/v1/connections/${connectionId}/credentials`, {
        credentials: { bearerToken: TOKEN },
      });
      expect(submitted.status, JSON.stringify(submitted.json)).toBe(200);

      const tested = await client.callTool({ name: "test_connector", arguments: { connectionId } });
      expect(tested.isError, JSON.stringify(tested)).toBeFalsy();
      expect(tested.structuredContent).toMatchObject({ passed: true, payload: { login: "ada" } });

      const executed = await client.callTool({
        name: "execute_connector_command",
        arguments: { connectionId, command: getTask, params: { id: "t-42" } },
      });
      expect(executed.isError, JSON.stringify(executed)).toBeFalsy();
      expect(executed.structuredContent).toMatchObject({ payload: { id: "t-42", done: false } });
      expect((executed.structuredContent as { executionId: string }).executionId).not.toBe("");
      expect(api.requests.some((r) => r.url === "/tasks/t-42")).toBe(true);
      expect(JSON.stringify(executed)).not.toContain(TOKEN);

      // A command that fails is the tool's isError with Execute's code, never the upstream body.
      const missing = await client.callTool({
        name: "execute_connector_command",
        arguments: { connectionId, command: "noSuchCommand" },
      });
      expect(missing.isError).toBe(true);
      expect(missing.structuredContent).toMatchObject({ code: "invalid_argument" });
    } finally {
      await client.close();
    }
  });

  it("refuses a catalog:read key create_connector with permission_denied (scope refusal)", async () => {
    const client = await connect(readerKey);
    try {
      const refused = await client.callTool({
        name: "create_connector",
        arguments: { name: "not-allowed", executionModel: "script", scriptSource: "function test() {}" },
      });
      expect(refused.isError).toBe(true);
      expect(refused.structuredContent).toMatchObject({
        code: "permission_denied",
        errorCode: "PERMISSION_DENIED",
        message: "API key lacks scope 'catalog:write'",
      });
      const run = await client.callTool({ name: "test_connector", arguments: { connectionId } });
      expect(run.structuredContent).toMatchObject({ code: "permission_denied" });
    } finally {
      await client.close();
    }
    const lookup = await fetch(`${t.url}/api/v1/connectors/not-allowed`, {
      headers: { authorization: `Bearer ${builderKey}` },
    });
    expect(lookup.status).toBe(404);
  });

  it("generates a script skeleton CreateConnector accepts, and updates it with the version bump", async () => {
    const client = await connect(builderKey);
    try {
      const generated = await client.callTool({
        name: "generate_connector_script",
        arguments: { description: "A CRM for small shops", commands: ["listContacts", "create-contact"] },
      });
      expect(generated.isError, JSON.stringify(generated)).toBeFalsy();
      const out = generated.structuredContent as {
        scriptSource: string;
        createRequest: Record<string, unknown>;
        reference: string;
        commands: string[];
      };
      expect(out.commands).toEqual(["listContacts", "createContact"]);
      expect(out.scriptSource).toMatch(/function test\(\)/);
      expect(out.scriptSource).toMatch(/function listContacts\(\)/);
      expect(out.scriptSource).toMatch(/function createContact\(\)/);
      expect(out.reference).toContain("patchbay.http.get");
      // Deterministic: the same request gives the same script.
      const again = await client.callTool({
        name: "generate_connector_script",
        arguments: { description: "A CRM for small shops", commands: ["listContacts", "create-contact"] },
      });
      expect((again.structuredContent as { scriptSource: string }).scriptSource).toBe(out.scriptSource);

      const created = await client.callTool({ name: "create_connector", arguments: out.createRequest });
      expect(created.isError, JSON.stringify(created)).toBeFalsy();
      const slug = (created.structuredContent as { connector: { slug: string; version: string } }).connector
        .slug;
      expect(slug).toBe("a-crm-for-small");

      // A new script with a new command: the schema grew, so the version is bumped (auto_bump).
      const schema = out.createRequest.configSchema as { commands: Record<string, unknown> };
      const updated = await client.callTool({
        name: "update_connector_script",
        arguments: {
          slug,
          scriptSource: `${out.scriptSource}\nfunction ping() { return { success: true, payload: {} }; }\n`,
          configSchema: { ...schema, commands: { ...schema.commands, ping: { description: "Ping." } } },
        },
      });
      expect(updated.isError, JSON.stringify(updated)).toBeFalsy();
      expect(updated.structuredContent).toMatchObject({
        previousVersion: "1.0.0",
        requiredBump: "minor",
        connector: { version: "1.1.0" },
      });
    } finally {
      await client.close();
    }
  });
});
