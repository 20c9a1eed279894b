import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { fixture } from "../connectors/openapi/fixtures.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const PETSTORE = JSON.parse(fixture("@readme/oas-examples/3.0/json/petstore.json")) as object;

describe("ParseOpenApi over the wire", () => {
  let t: TestServer;
  const post = (body: unknown) =>
    fetch(`${t.url}/api/v1/connectors/parse-oas`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("answers POST /api/v1/connectors/parse-oas with the Petstore draft and its warnings (seed 004 body)", async () => {
    const res = await post({ spec: PETSTORE });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      draft: {
        name: string;
        version: string;
        configSchema: { connectionConfig: Record<string, unknown>; commands: Record<string, unknown> };
        operations: Array<{ operationId: string; command: string; method: string; path: string }>;
      };
      warnings: string[];
    };
    expect(body.draft.name).toBe("swagger-petstore");
    expect(body.draft.version).toBe("1.0.0");
    expect(body.draft.operations).toHaveLength(20);
    expect(body.draft.operations[4]).toEqual({
      operationId: "getPetById",
      command: "getPetById",
      method: "GET",
      path: "/pet/{petId}",
      summary: "Find pet by ID",
    });
    expect(body.draft.configSchema.commands.getPetById).toMatchObject({
      params: ["petId"],
      paramSchema: { petId: { type: "number", required: true } },
    });
    expect(body.draft.configSchema.connectionConfig.baseUrl).toMatchObject({
      type: "string",
      required: true,
      default: "http://petstore.swagger.io/v2",
    });
    expect(body.draft.configSchema.connectionConfig.apiKey).toMatchObject({ type: "secret", secret: true });
    expect(body.warnings).toContain(
      "PUT /user/{username}: body parameter 'username' renamed to 'bodyUsername' (name clash)",
    );
  });

  it("takes YAML text, a subset and a slug over gRPC", async () => {
    const client = createClient(CatalogService, createGrpcTransport({ baseUrl: t.url }));
    const res = await client.parseOpenApi(
      {
        source: { case: "document", value: fixture("@readme/oas-examples/3.0/yaml/petstore.yaml") },
        operations: ["addPet", "getInventory"],
        name: "pets",
      },
      { headers: { authorization: `Bearer ${t.adminKey}` } },
    );
    expect(res.draft?.name).toBe("pets");
    expect(res.draft?.operations.map((o) => o.command)).toEqual(["addPet", "getInventory"]);
    expect(Object.keys(res.draft?.configSchema?.commands ?? {}).sort()).toEqual(["addPet", "getInventory"]);
  });

  it("answers a broken document with 400 and a message that says what is wrong", async () => {
    const broken = await post({ document: "openapi: 3.0.3\ninfo: [unclosed" });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { message: string }).message).toMatch(
      /^document: the document is neither valid JSON nor valid YAML/,
    );
    const external = await post({
      spec: {
        ...PETSTORE,
        paths: { "/x": { get: { responses: { 200: { $ref: "https://evil.test/r.json" } } } } },
      },
    });
    expect(external.status).toBe(400);
    expect(((await external.json()) as { message: string }).message).toBe(
      "spec: external $ref 'https://evil.test/r.json' is not supported; bundle the description into one document first",
    );
    const missing = await post({});
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { message: string }).message).toBe(
      "document, spec or url is required (the OpenAPI description)",
    );
  });

  it("needs the catalog:write scope", async () => {
    const key = await t.createKey(["catalog:read"]);
    const client = createClient(CatalogService, createGrpcTransport({ baseUrl: t.url }));
    const error = await client
      .parseOpenApi(
        { source: { case: "spec", value: PETSTORE as never } },
        { headers: { authorization: `Bearer ${key}` } },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.PermissionDenied);
  });
});
