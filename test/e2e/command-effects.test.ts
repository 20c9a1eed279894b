import { fromJson } from "@bufbuild/protobuf";
import { ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Capability, type CapabilityJson, CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ConfigSchemaSchema } from "../../gen/patchbay/v1/common_pb.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

// What a command does (read-only, destructive, idempotent), declared by built-in definitions, by script
// authors in configSchema, and derived from an OpenAPI operation's method: stored, shown by
// GetCapabilities on every protocol, and turned into MCP tool annotations.

const NOTES = {
  name: "notes",
  executionModel: "script",
  configSchema: {
    commands: {
      listNotes: { description: "List notes.", readOnly: true },
      deleteNote: { params: ["id"], readOnly: false, destructive: true, idempotent: true },
      addNote: { params: ["text"], destructive: false, idempotent: false },
      ping: {},
    },
  },
  scriptSource: "function listNotes() {} function deleteNote() {} function addNote() {} function ping() {}",
};

// No security scheme: an auth-less connector, so its commands are tools without a connection.
const THINGS_API = JSON.stringify({
  openapi: "3.0.3",
  info: { title: "Things", version: "1.0.0" },
  servers: [{ url: "http://127.0.0.1:9/api" }],
  paths: {
    "/things": {
      get: { operationId: "listThings", responses: { 200: { description: "Things." } } },
      post: { operationId: "createThing", responses: { 201: { description: "Created." } } },
    },
    "/things/{id}": {
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
      put: { operationId: "replaceThing", responses: { 200: { description: "Replaced." } } },
      delete: { operationId: "deleteThing", responses: { 204: { description: "Deleted." } } },
    },
  },
});

type Hints = Pick<Capability, "readOnly" | "destructive" | "idempotent">;

describe.each(BACKENDS)("command effect hints on %s", (backend) => {
  let t: TestServer;
  let agentKey = "";
  const rest = (method: string, path: string, body?: unknown) =>
    fetch(`${t.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const catalog = () => createClient(CatalogService, createGrpcTransport({ baseUrl: t.url }));
  const headers = () => ({ authorization: `Bearer ${t.adminKey}` });
  const restCapabilities = async (slug: string) => {
    const res = await rest("GET", `/api/v1/connectors/${slug}/capabilities`);
    expect(res.status).toBe(200);
    const { commands } = (await res.json()) as { commands: CapabilityJson[] };
    return Object.fromEntries(commands.map((command) => [command.name ?? "", command]));
  };
  const hintsOf = (command: Hints | CapabilityJson | undefined) => ({
    readOnly: command?.readOnly,
    destructive: command?.destructive,
    idempotent: command?.idempotent,
  });

  async function tools(): Promise<Map<string, Tool>> {
    const client = new Client({ name: "command-effects-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${agentKey}` } },
      }),
    );
    try {
      return new Map((await client.listTools()).tools.map((tool) => [tool.name, tool]));
    } finally {
      await client.close();
    }
  }

  beforeAll(async () => {
    t = await startTestServer(backend);
    agentKey = await t.createKey(["mcp", "execute", "catalog:read", "catalog:write"], "agent-1");
    expect((await rest("POST", "/api/v1/connectors", NOTES)).status).toBe(200);
    const things = await rest("POST", "/api/v1/connectors", {
      name: "things",
      executionModel: "openapi",
      openapiDocument: THINGS_API,
    });
    expect(things.status).toBe(200);
  });
  afterAll(() => t?.stop());

  it("shows a built-in's declared hints over gRPC and REST, and none for the generic http request", async () => {
    const echo = await catalog().getCapabilities({ slug: "echo" }, { headers: headers() });
    expect(echo.commands.find((c) => c.name === "echo")?.readOnly).toBe(true);
    const http = await catalog().getCapabilities({ slug: "http" }, { headers: headers() });
    expect(hintsOf(http.commands.find((c) => c.name === "request"))).toEqual({
      readOnly: undefined,
      destructive: undefined,
      idempotent: undefined,
    });
    const slack = await restCapabilities("slack");
    expect(slack.listConversations).toMatchObject({ readOnly: true });
    expect(hintsOf(slack.postMessage)).toEqual({ readOnly: false, destructive: false, idempotent: false });
  });

  it("shows what a script author declared, false included, and leaves undeclared hints unset", async () => {
    const grpc = await catalog().getCapabilities({ slug: "notes" }, { headers: headers() });
    const byName = new Map(grpc.commands.map((c) => [c.name, c]));
    expect(hintsOf(byName.get("listNotes"))).toEqual({
      readOnly: true,
      destructive: undefined,
      idempotent: undefined,
    });
    expect(hintsOf(byName.get("deleteNote"))).toEqual({
      readOnly: false,
      destructive: true,
      idempotent: true,
    });
    const json = await restCapabilities("notes");
    expect(hintsOf(json.addNote)).toEqual({ readOnly: undefined, destructive: false, idempotent: false });
    expect(json.ping).not.toHaveProperty("readOnly");
    expect(json.ping).not.toHaveProperty("destructive");
  });

  it("derives an OpenAPI connector's hints from each operation's method", async () => {
    const json = await restCapabilities("things");
    expect(hintsOf(json.listThings)).toEqual({ readOnly: true, destructive: undefined, idempotent: true });
    expect(hintsOf(json.replaceThing)).toEqual({ readOnly: false, destructive: undefined, idempotent: true });
    expect(hintsOf(json.deleteThing)).toEqual({ readOnly: false, destructive: true, idempotent: true });
    expect(hintsOf(json.createThing)).toEqual({
      readOnly: undefined,
      destructive: undefined,
      idempotent: undefined,
    });
  });

  it("refuses a read-only command declared destructive, naming the command", async () => {
    const res = await rest("POST", "/api/v1/connectors", {
      ...NOTES,
      name: "contradiction",
      configSchema: { commands: { wipe: { readOnly: true, destructive: true } } },
      scriptSource: "function wipe() {}",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("command 'wipe' is read_only, so destructive cannot be true");
  });

  it("treats a changed hint as a patch change: refused without a bump, applied with auto_bump", async () => {
    const withHint = { commands: { ...NOTES.configSchema.commands, ping: { readOnly: true } } };
    const refused = await rest("PUT", "/api/v1/connectors/notes", { configSchema: withHint });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("readOnly hint of command 'ping' changed");
    const bumped = await catalog()
      .updateConnector(
        { slug: "notes", configSchema: fromJson(ConfigSchemaSchema, withHint), autoBump: true },
        { headers: headers() },
      )
      .catch((e: unknown) => e);
    expect(bumped).not.toBeInstanceOf(ConnectError);
    expect(bumped).toMatchObject({ requiredBump: "patch", connector: { version: "1.0.1" } });
    expect((await restCapabilities("notes")).ping).toMatchObject({ readOnly: true });
  });

  it("lists connector tools with annotations: built-in, script and OpenAPI-derived", async () => {
    const listed = await tools();
    expect(listed.get("echo_echo")?.annotations).toEqual({
      title: "echo: echo",
      readOnlyHint: true,
      openWorldHint: true,
    });
    expect(listed.get("http_request")?.annotations).toEqual({ title: "http: request", openWorldHint: true });
    expect(listed.get("notes_listNotes")?.annotations).toEqual({
      title: "notes: listNotes",
      readOnlyHint: true,
      openWorldHint: true,
    });
    expect(listed.get("notes_deleteNote")?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
    });
    expect(listed.get("notes_addNote")?.annotations).toMatchObject({
      destructiveHint: false,
      idempotentHint: false,
    });
    expect(listed.get("notes_addNote")?.annotations).not.toHaveProperty("readOnlyHint");
    // A read-only tool carries readOnlyHint alone: the other two mean something only when it is false.
    expect(listed.get("things_listThings")?.annotations).toEqual({
      title: "things: listThings",
      readOnlyHint: true,
      openWorldHint: true,
    });
    expect(listed.get("things_deleteThing")?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
    });
    expect(listed.get("things_createThing")?.annotations).toEqual({
      title: "things: createThing",
      openWorldHint: true,
    });
  });

  it("annotates the building tools: reads as read-only, replacing a script as destructive", async () => {
    const listed = await tools();
    for (const name of [
      "list_connectors",
      "get_capabilities",
      "parse_openapi_spec",
      "generate_connector_script",
    ])
      expect(listed.get(name)?.annotations?.readOnlyHint).toBe(true);
    expect(listed.get("create_connector")?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
    });
    expect(listed.get("update_connector_script")?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
    });
    expect(listed.get("execute_connector_command")?.annotations?.openWorldHint).toBe(true);
    expect(listed.get("list_connectors")?.annotations?.openWorldHint).toBe(false);
    for (const tool of listed.values()) {
      // Never a contradiction: destructive or idempotent hints only beside readOnlyHint false or unset.
      if (tool.annotations?.readOnlyHint === true) {
        expect(tool.annotations).not.toHaveProperty("destructiveHint");
        expect(tool.annotations).not.toHaveProperty("idempotentHint");
      }
      expect(tool.annotations?.title).toBeTruthy();
    }
  });

  it("stores hints beside config_schema, and reads a row without them (as the previous release writes) as none declared", async () => {
    const sql = (text: string) => t.server.db.em().getConnection().execute(text);
    const [row] = await sql(
      "select config_schema, command_effects from connectors where slug = 'notes' and deleted_at is null",
    );
    expect(JSON.stringify(row?.config_schema)).not.toContain("readOnly");
    expect(row?.command_effects.commands.deleteNote).toEqual({
      readOnly: false,
      destructive: true,
      idempotent: true,
    });
    await sql("update connectors set command_effects = null where slug = 'notes'");
    const json = await restCapabilities("notes");
    expect(Object.keys(json).sort()).toEqual(["addNote", "deleteNote", "listNotes", "ping"]);
    for (const command of Object.values(json)) expect(command).not.toHaveProperty("readOnly");
  });
});
