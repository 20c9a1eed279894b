import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineCommand, defineConnector } from "../../src/connectors/define/define-connector.ts";
import { t as field } from "../../src/connectors/define/fields.ts";
import { fail, succeed } from "../../src/connectors/define/outcome.ts";
import { type ServedConnector, serveConnector } from "../../src/connectors/external/index.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const GOOD = "good-key-0123456789";

// The script's test refuses one key with a failure, throws for another, and passes the good one.
const SCRIPT = `
function test() {
  if (patchbay.config.apiKey === "throw-key-0123456789") throw new Error("exploded " + patchbay.config.apiKey);
  if (patchbay.config.apiKey !== "${GOOD}") return { success: false, error: "key refused" };
  return { success: true };
}
function ping() { return { success: true, payload: { pong: true } }; }
`;
const SCRIPT_SCHEMA = {
  connectionConfig: { apiKey: { type: "string", required: true, secret: true, description: "API key" } },
  commands: {
    test: { params: [], description: "Check the key", outputs: [], paramSchema: {} },
    ping: { params: [], description: "Ping", outputs: [], paramSchema: {} },
  },
};

/** An external connector whose `test` accepts only the good key, counting its calls. */
function externalFixture(calls: string[]) {
  return defineConnector({
    name: "keyed-external",
    version: "1.0.0",
    description: "Checks its key.",
    authType: "api_key",
    connectionConfig: { apiKey: field.secret({ required: true, description: "API key." }) },
    commands: {
      test: defineCommand({
        description: "Checks the key.",
        params: {},
        handler: ({ connection }) => {
          calls.push(String(connection.apiKey));
          return connection.apiKey === GOOD ? succeed({ payload: {} }) : fail({ error: "key refused" });
        },
      }),
    },
  });
}

/** An upstream API for the OpenAPI-derived connector: GET /me answers 200 for the good bearer token. */
async function startUpstream(): Promise<{ url: string; paths: string[]; close(): Promise<void> }> {
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    paths.push(`${req.method} ${req.url}`);
    res.setHeader("content-type", "application/json");
    if (req.headers.authorization !== `Bearer ${GOOD}`) res.writeHead(401).end('{"error":"unauthorized"}');
    else res.end('{"login":"ada"}');
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    paths,
    close: () => new Promise<void>((closed) => server.close(() => closed())),
  };
}

function openapiDocument(baseUrl: string): string {
  return JSON.stringify({
    openapi: "3.0.3",
    info: { title: "Keyed API", version: "1.0.0" },
    servers: [{ url: baseUrl }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths: {
      "/me": {
        get: {
          operationId: "getMe",
          "x-patchbay-test": true,
          responses: { "200": { description: "The caller" } },
        },
      },
      "/things": { get: { operationId: "listThings", responses: { "200": { description: "Things" } } } },
    },
  });
}

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

// Item 1 (every execution model tests credentials) and item 11 (mock scenarios) of the seed audit.
describe("credential tests over the wire, for every execution model", () => {
  let t: TestServer;
  let served: ServedConnector;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  const externalCalls: string[] = [];
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: (text === "" ? {} : JSON.parse(text)) as Record<string, unknown> };
  };
  const connect = async (slug: string, label: string): Promise<string> => {
    const started = await call("POST", "/api/v1/connections", { connectorSlug: slug, label });
    expect(started.status).toBe(201);
    return (started.json.connection as { id: string }).id;
  };
  const submit = (id: string, credentials: Record<string, unknown>) =>
    call("POST", `/api/v1/connections/${id}/credentials`, { credentials });
  const connection = async (id: string) =>
    (await call("GET", `/api/v1/connections/${id}`)).json.connection as {
      status: string;
      lastError?: string;
    };

  beforeAll(async () => {
    served = await serveConnector(externalFixture(externalCalls));
    upstream = await startUpstream();
    t = await startTestServer("postgresql");
    const created = await Promise.all([
      call("POST", "/api/v1/connectors", {
        name: "keyed-script",
        executionModel: "script",
        configSchema: SCRIPT_SCHEMA,
        scriptSource: SCRIPT,
      }),
      call("POST", "/api/v1/connectors", {
        name: "keyed-external",
        executionModel: "external",
        endpointUrl: served.url,
        protocol: "connect",
      }),
      call("POST", "/api/v1/connectors", {
        name: "keyed-openapi",
        executionModel: "openapi",
        openapiDocument: openapiDocument(upstream.url),
      }),
      call("POST", "/api/v1/connectors", {
        name: "placeholder-empty",
        type: "placeholder-api",
        executionModel: "built_in",
        mockScenario: "empty",
      }),
    ]);
    for (const answer of created) expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  });
  afterAll(async () => {
    await t?.stop();
    await served?.close();
    await upstream?.close();
  });

  describe("script connectors (item 1)", () => {
    it("keeps the connection pending when the script's test returns success: false", async () => {
      const id = await connect("keyed-script", "refused");
      const refused = await submit(id, { apiKey: "wrong-key-0123456789" });
      expect(refused).toMatchObject({
        status: 400,
        json: { code: "failed_precondition", message: "credential test failed: key refused" },
      });
      expect(await connection(id)).toMatchObject({
        status: "pending",
        lastError: "credential test failed: key refused",
      });
    });

    it("keeps the connection pending when the script's test throws, without echoing the key", async () => {
      const id = await connect("keyed-script", "throws");
      const refused = await submit(id, { apiKey: "throw-key-0123456789" });
      expect(refused.status).toBe(400);
      expect(refused.json.code).toBe("failed_precondition");
      expect(String(refused.json.message)).toMatch(/^credential test failed: /);
      expect(JSON.stringify(refused.json)).not.toContain("throw-key-0123456789");
      expect((await connection(id)).status).toBe("pending");
    });

    it("activates the connection when the script's test succeeds", async () => {
      const id = await connect("keyed-script", "good");
      const ok = await submit(id, { apiKey: GOOD });
      expect(ok.status).toBe(200);
      expect(ok.json.connection).toMatchObject({ id, status: "active" });
    });
  });

  describe("external connectors (item 1)", () => {
    it("calls the external connector's test and keeps a refused key pending", async () => {
      const id = await connect("keyed-external", "refused");
      const refused = await submit(id, { apiKey: "wrong-key-0123456789" });
      expect(refused).toMatchObject({
        status: 400,
        json: { code: "failed_precondition", message: "credential test failed: key refused" },
      });
      expect(externalCalls).toContain("wrong-key-0123456789");
      expect((await connection(id)).status).toBe("pending");
    });

    it("activates the connection when the external connector's test passes", async () => {
      const id = await connect("keyed-external", "good");
      const ok = await submit(id, { apiKey: GOOD });
      expect(ok.status).toBe(200);
      expect(ok.json.connection).toMatchObject({ id, status: "active" });
      expect(externalCalls).toContain(GOOD);
    });
  });

  describe("OpenAPI-derived connectors (item 1)", () => {
    it("names the operation marked x-patchbay-test the connector's test command", async () => {
      const capabilities = await call("GET", "/api/v1/connectors/keyed-openapi/capabilities");
      const names = (capabilities.json.commands as { name: string }[]).map((c) => c.name);
      expect(names.sort()).toEqual(["listThings", "test"]);
    });

    it("runs the marked operation with the credentials and keeps a refused token pending", async () => {
      const id = await connect("keyed-openapi", "refused");
      const before = upstream.paths.length;
      const refused = await submit(id, { bearerToken: "wrong-key-0123456789" });
      expect(refused.status).toBe(400);
      expect(refused.json.code).toBe("failed_precondition");
      expect(String(refused.json.message)).toMatch(/^credential test failed: /);
      expect(upstream.paths.slice(before)).toEqual(["GET /me"]);
      expect((await connection(id)).status).toBe("pending");
    });

    it("activates the connection when the marked operation answers 2xx", async () => {
      const id = await connect("keyed-openapi", "good");
      const ok = await submit(id, { bearerToken: GOOD });
      expect(ok.status).toBe(200);
      expect(ok.json.connection).toMatchObject({ id, status: "active" });
    });
  });

  describe("mock scenarios (item 11)", () => {
    it("activates a connection of an instance in a scenario its test command lacks (falls back to default)", async () => {
      const id = await connect("placeholder-empty", "mock");
      // Nothing listens on port 1: a real call would fail, the mock answers.
      const ok = await submit(id, { baseUrl: "http://127.0.0.1:1", apiKey: "any-key-0123456789" });
      expect(ok.status, JSON.stringify(ok.json)).toBe(200);
      expect(ok.json.connection).toMatchObject({ id, status: "active" });
      const listed = await call("POST", `/api/v1/connections/${id}/execute`, { command: "listPosts" });
      expect(listed.json.payload).toEqual({ posts: [], nextPage: null });
    });

    it.each([
      ["script", { configSchema: SCRIPT_SCHEMA, scriptSource: SCRIPT }],
      ["openapi", { openapiDocument: "{}" }],
    ])("refuses mock_scenario on a %s connector, naming the field", async (model, fields) => {
      const refused = await call("POST", "/api/v1/connectors", {
        name: `mocked-${model}`,
        executionModel: model,
        mockScenario: "default",
        ...fields,
      });
      expect(refused.status).toBe(400);
      expect(refused.json.code).toBe("invalid_argument");
      expect(String(refused.json.message)).toMatch(/^mock_scenario is only accepted for built_in connectors/);
    });

    it("refuses setting mock_scenario on an existing script connector, and accepts clearing it", async () => {
      const set = await call("PUT", "/api/v1/connectors/keyed-script", { mockScenario: "default" });
      expect(set.status).toBe(400);
      expect(String(set.json.message)).toMatch(/^mock_scenario is only accepted for built_in connectors/);
      const cleared = await call("PUT", "/api/v1/connectors/keyed-script", { mockScenario: "" });
      expect(cleared.status, JSON.stringify(cleared.json)).toBe(200);
    });
  });
});
