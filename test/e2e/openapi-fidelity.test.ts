import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCUMENT_LIMITS } from "../../src/connectors/openapi/index.ts";
import { fixture } from "../connectors/openapi/fixtures.ts";
import { type LoopbackServer, startLoopbackServer } from "../outbound/loopback-server.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const PETSTORE = fixture("@readme/oas-examples/3.0/json/petstore.json");
const MIB = 1024 * 1024;
/** The server's OpenAPI limit in these tests: above the 4 MiB body limit, below what the tests refuse. */
const OPENAPI_LIMIT = 8 * MIB;

/** A valid description of `bytes` or more: one operation per path, each with a long description. */
function largeDescription(bytes: number): string {
  const paths: Record<string, unknown> = {};
  const text = "A long operation description. ".repeat(3_000); // ~90 KB
  for (let i = 0; i * text.length < bytes; i++) {
    paths[`/items${i}`] = {
      get: { operationId: `getItems${i}`, description: text, responses: { "200": { description: "ok" } } },
    };
  }
  return JSON.stringify({ openapi: "3.0.3", info: { title: "Large", version: "1.0.0" }, paths });
}

const answerOk = (res: ServerResponse) =>
  res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');

describe("OpenAPI-derived connectors: drafts, sizes, sources, media types and servers over the wire", () => {
  let t: TestServer;
  let upstream: LoopbackServer;
  let other: LoopbackServer;
  const auth = () => ({ authorization: `Bearer ${t.adminKey}` });
  const post = async (path: string, body: unknown, contentType = "application/json") => {
    const response = await fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { ...auth(), "content-type": contentType },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    upstream = await startLoopbackServer("127.0.0.1", (_req, res) => answerOk(res));
    other = await startLoopbackServer("127.0.0.1", (req, res) => {
      if (req.url === "/petstore.json")
        res.writeHead(200, { "content-type": "application/json" }).end(PETSTORE);
      else answerOk(res);
    });
    t = await startTestServer("postgresql", { PATCHBAY_MAX_OPENAPI_BYTES: String(OPENAPI_LIMIT) });
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await upstream?.close();
    await other?.close();
  });

  // Item 7: the draft goes back to CreateConnector as ParseOpenApi gives it.
  it("stores ParseOpenApi's create_request as is with POST /api/v1/connectors (item 7)", async () => {
    const parsed = await post("/api/v1/connectors/parse-oas", {
      spec: JSON.parse(PETSTORE),
      operations: ["getPetById", "addPet"],
    });
    expect(parsed.status).toBe(200);
    const createRequest = parsed.body.createRequest as Record<string, unknown>;
    expect(createRequest).toMatchObject({
      name: "swagger-petstore",
      executionModel: "openapi",
      // The kept operations, in document order.
      operations: ["addPet", "getPetById"],
    });
    const created = await post("/api/v1/connectors", createRequest);
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body.connector).toMatchObject({ slug: "swagger-petstore", executionModel: "openapi" });
    const capabilities = await fetch(`${t.url}/api/v1/connectors/swagger-petstore/capabilities`, {
      headers: auth(),
    }).then((r) => r.json() as Promise<{ commands: Array<{ name: string }> }>);
    expect(capabilities.commands.map((c) => c.name).sort()).toEqual(["addPet", "getPetById"]);
  });

  it("accepts the draft's config_schema unchanged beside the document, and refuses another one (item 7)", async () => {
    const parsed = await post("/api/v1/connectors/parse-oas", { document: PETSTORE });
    const draft = parsed.body.draft as {
      configSchema: { commands: Record<string, { description: string }> };
    };
    const withDraft = await post("/api/v1/connectors", {
      name: "petstore-draft",
      executionModel: "openapi",
      openapiDocument: PETSTORE,
      configSchema: draft.configSchema,
    });
    expect(withDraft.status, JSON.stringify(withDraft.body)).toBe(200);
    const changed = structuredClone(draft.configSchema);
    const first = Object.values(changed.commands)[0];
    if (first !== undefined) first.description = "changed";
    const refused = await post("/api/v1/connectors", {
      name: "petstore-changed",
      executionModel: "openapi",
      openapiDocument: PETSTORE,
      configSchema: changed,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain("config_schema differs from what openapi_document derives");
  });

  // Item 8: descriptions larger than the body limit, up to PATCHBAY_MAX_OPENAPI_BYTES.
  it("accepts a 5 MB+ description over REST and Connect JSON, above the 4 MiB body limit (item 8)", async () => {
    const document = largeDescription(5.2 * MIB);
    expect(Buffer.byteLength(document)).toBeGreaterThan(5 * MIB);
    const rest = await post("/api/v1/connectors/parse-oas", { document });
    expect(rest.status, JSON.stringify(rest.body).slice(0, 300)).toBe(200);
    expect((rest.body.draft as { operations: unknown[] }).operations.length).toBeGreaterThan(50);
    const connect = await post("/patchbay.v1.CatalogService/ParseOpenApi", { document });
    expect(connect.status, JSON.stringify(connect.body).slice(0, 300)).toBe(200);
    const created = await post("/api/v1/connectors", {
      name: "large",
      executionModel: "openapi",
      openapiDocument: document,
    });
    expect(created.status, JSON.stringify(created.body).slice(0, 300)).toBe(200);
  });

  it("refuses a description over PATCHBAY_MAX_OPENAPI_BYTES with 413 / resource_exhausted naming the limit (item 8)", async () => {
    const document = largeDescription(OPENAPI_LIMIT + MIB);
    const rest = await post("/api/v1/connectors/parse-oas", { document });
    expect(rest.status).toBe(413);
    expect(rest.body).toMatchObject({ code: "resource_exhausted" });
    expect(rest.body.message).toContain(String(OPENAPI_LIMIT));
    const connect = await post("/patchbay.v1.CatalogService/ParseOpenApi", { document });
    expect(connect.body).toMatchObject({ code: "resource_exhausted" });
    expect(connect.body.message).toContain(String(OPENAPI_LIMIT));
  });

  it("keeps the body limit for every other RPC, and for CreateConnector without a description (item 8)", async () => {
    const padding = "x".repeat(5 * MIB);
    const get = await post("/patchbay.v1.CatalogService/GetConnector", { slug: "large", padding });
    expect(get.body).toMatchObject({ code: "resource_exhausted" });
    const script = await post("/api/v1/connectors", {
      name: "big-script",
      executionModel: "script",
      scriptSource: padding,
    });
    // Refused by the handler once the request is read: the code of every body-limit refusal.
    expect(script.body).toMatchObject({ code: "resource_exhausted" });
    expect(script.body.message).toContain("PATCHBAY_MAX_BODY_BYTES");
  });

  it("fetches a `url` source through the egress policy (item 8)", async () => {
    const fetched = await post("/api/v1/connectors/parse-oas", { url: `${other.origin}/petstore.json` });
    expect(fetched.status, JSON.stringify(fetched.body)).toBe(200);
    expect((fetched.body.draft as { name: string }).name).toBe("swagger-petstore");
    expect((fetched.body.createRequest as { openapiDocument: string }).openapiDocument).toBe(PETSTORE);
    // PATCHBAY_EGRESS_ALLOW is 127.0.0.1/32 here: another loopback address stays refused.
    const refused = await post("/api/v1/connectors/parse-oas", { url: "http://127.0.0.2:9/petstore.json" });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain("egress policy");
  });

  // Item 20: counted limits decide, not the clock (the counts themselves: test/connectors/openapi/document-limits.test.ts).
  it("accepts a description nested to the depth limit and refuses one level more, by count (item 20)", async () => {
    const nested = (levels: number) => {
      let deep: Record<string, unknown> = {};
      for (let i = 1; i < levels; i++) deep = { a: deep };
      // The root is level 1 and x-deep level 2: the document is `levels + 1` deep.
      return JSON.stringify({ ...JSON.parse(PETSTORE), "x-deep": deep });
    };
    const atLimit = await post("/api/v1/connectors/parse-oas", {
      document: nested(DOCUMENT_LIMITS.depth - 1),
    });
    expect(atLimit.status, JSON.stringify(atLimit.body).slice(0, 300)).toBe(200);
    const over = await post("/api/v1/connectors/parse-oas", { document: nested(DOCUMENT_LIMITS.depth) });
    expect(over.status).toBe(400);
    expect(over.body.message).toContain(`more than ${DOCUMENT_LIMITS.depth} levels of nesting`);
  });

  // Items 18 and 19: one description with a media range and servers at three levels.
  describe("a description with a media range and servers at three levels", () => {
    beforeAll(async () => {
      const document = {
        openapi: "3.0.3",
        info: { title: "Servers", version: "1.0.0" },
        servers: [{ url: `${upstream.origin}/api` }],
        paths: {
          "/things": {
            post: {
              operationId: "createThing",
              requestBody: {
                required: true,
                content: {
                  "application/*+json": { schema: { type: "object", properties: { a: { type: "string" } } } },
                },
              },
              responses: { "200": { description: "ok" } },
            },
            get: {
              operationId: "listThingsElsewhere",
              servers: [{ url: "{origin}/v9", variables: { origin: { default: other.origin } } }],
              responses: { "200": { description: "ok" } },
            },
          },
          "/uploads": {
            servers: [{ url: `${other.origin}/files` }],
            put: { operationId: "upload", responses: { "200": { description: "ok" } } },
          },
          "/blocked": {
            get: {
              operationId: "blocked",
              servers: [{ url: "http://127.0.0.2:9" }],
              responses: { "200": { description: "ok" } },
            },
          },
        },
      };
      const created = await post("/api/v1/connectors", {
        name: "servers",
        executionModel: "openapi",
        openapiDocument: JSON.stringify(document),
      });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
    });
    const execute = (command: string, params: Record<string, unknown> = {}) =>
      post("/api/v1/connectors/servers/execute", { command, params });

    it("sends application/json for an application/*+json body, never the range (item 18)", async () => {
      upstream.requests.length = 0;
      expect((await execute("createThing", { a: "x" })).status).toBe(200);
      expect(upstream.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["POST /api/things"]);
      expect(upstream.requests[0]?.headers["content-type"]).toBe("application/json");
      expect(upstream.requests[0]?.body).toBe('{"a":"x"}');
    });

    it("sends an operation with its own or its path's servers there, under the egress policy (item 19)", async () => {
      upstream.requests.length = 0;
      other.requests.length = 0;
      expect((await execute("listThingsElsewhere")).status).toBe(200);
      expect((await execute("upload")).status).toBe(200);
      expect(other.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
        "GET /v9/things",
        "PUT /files/uploads",
      ]);
      expect(upstream.requests).toHaveLength(0);

      const blocked = await execute("blocked");
      expect(blocked.status).not.toBe(200);
      expect(JSON.stringify(blocked.body)).toContain("EGRESS_REFUSED");
    });
  });
});
