import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { OperationPlan } from "../../../src/connectors/openapi/openapi-plan.ts";
import { parseOpenApi } from "../../../src/connectors/openapi/parse-openapi.ts";
import { validateParams } from "../../../src/connectors/openapi/validate-params.ts";
import { fixture } from "./fixtures.ts";

const PETSTORE_30 = fixture("@readme/oas-examples/3.0/json/petstore.json");

async function refusal(input: string | object): Promise<ConnectError> {
  const error = await parseOpenApi(input).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConnectError);
  expect((error as ConnectError).code).toBe(Code.InvalidArgument);
  return error as ConnectError;
}

function doc(paths: object, extra: object = {}): object {
  return {
    openapi: "3.0.3",
    info: { title: "Tiny API", version: "2.1.0" },
    servers: [{ url: "https://api.example.com" }],
    paths,
    ...extra,
  };
}

describe("parseOpenApi on the Petstore (@readme/oas-examples)", () => {
  it("makes one command per operation with params, required flags, outputs and descriptions", async () => {
    const draft = await parseOpenApi(PETSTORE_30);
    expect(draft.name).toBe("swagger-petstore");
    expect(draft.version).toBe("1.0.0");
    expect(draft.operations).toHaveLength(20);
    expect(Object.keys(draft.configSchema.commands ?? {})).toContain("findPetsByStatus");
    expect(draft.configSchema.commands?.getPetById).toEqual({
      description: "Find pet by ID",
      params: ["petId"],
      outputs: ["id", "category", "name", "photoUrls", "tags", "status"],
      paramSchema: { petId: { type: "number", required: true, description: "ID of pet to return" } },
      readOnly: true,
      idempotent: true,
    });
    expect(draft.openapi.operations.findPetsByStatus).toMatchObject({
      method: "GET",
      path: "/pet/findByStatus",
      params: [
        { param: "status", in: "query", name: "status", style: "form", explode: true, required: true },
      ],
      security: [{ petstore_auth: ["write:pets", "read:pets"] }],
    });
    const status = draft.openapi.operations.findPetsByStatus?.params[0]?.schema;
    expect(status).toMatchObject({
      type: "array",
      items: { enum: ["available", "pending", "sold"], default: "available" },
    });
  });

  it("flattens an object body into params and renames a clash with a path param, with a warning", async () => {
    const draft = await parseOpenApi(PETSTORE_30);
    const updateUser = draft.configSchema.commands?.updateUser;
    expect(updateUser?.params).toEqual([
      "username",
      "id",
      "bodyUsername",
      "firstName",
      "lastName",
      "email",
      "password",
      "phone",
      "userStatus",
    ]);
    expect(updateUser?.paramSchema?.username).toMatchObject({ type: "string", required: true });
    expect(draft.openapi.operations.updateUser?.body).toEqual({
      mediaType: "application/json",
      required: true,
    });
    expect(draft.openapi.operations.updateUser?.params[2]).toMatchObject({
      param: "bodyUsername",
      in: "body",
      name: "username",
    });
    expect(draft.warnings).toContain(
      "PUT /user/{username}: body parameter 'username' renamed to 'bodyUsername' (name clash)",
    );
    expect(draft.warnings).toContain(
      "POST /pet/{petId}/uploadImage: multipart request body (multipart/form-data); file parts are not supported",
    );
  });

  it("turns servers and security schemes into connection fields", async () => {
    const draft = await parseOpenApi(PETSTORE_30);
    const config = draft.configSchema.connectionConfig ?? {};
    expect(config.baseUrl).toMatchObject({
      type: "string",
      required: true,
      default: "http://petstore.swagger.io/v2",
    });
    expect(config.apiKey).toMatchObject({ type: "secret", secret: true, label: "api_key" });
    expect(Object.keys(config).sort()).toEqual(["apiKey", "baseUrl", "clientId", "clientSecret", "tokenUrl"]);
    expect(draft.openapi.securitySchemes.api_key).toEqual({
      type: "apiKey",
      in: "header",
      name: "api_key",
      field: "apiKey",
    });
    // Petstore's OAuth 2 scheme is implicit-only: no authorization-code flow to offer.
    expect(draft.oauth).toBeUndefined();
    expect(draft.authType).toBe("api_key");
  });

  it("reads the 3.1 YAML Petstore the same way", async () => {
    const draft = await parseOpenApi(fixture("@readme/oas-examples/3.1/yaml/petstore.yaml"));
    expect(draft.operations).toHaveLength(20);
    expect(draft.configSchema.commands?.getPetById?.paramSchema?.petId).toMatchObject({
      type: "number",
      required: true,
    });
  });

  it("upgrades the Swagger 2.0 Petstore and says so", async () => {
    const draft = await parseOpenApi(fixture("@readme/oas-examples/2.0/json/petstore.json"));
    expect(draft.warnings[0]).toBe("Swagger 2.0 description upgraded to OpenAPI 3.0 before import");
    expect(draft.operations).toHaveLength(20);
    expect(draft.openapi.baseUrl).toBe("http://petstore.swagger.io/v2");
    expect(draft.openapi.operations.addPet?.body?.mediaType).toBe("application/json");
  });

  it("keeps only the selected operations, by command name or operationId, and warns about unknown ones", async () => {
    const draft = await parseOpenApi(PETSTORE_30, { select: ["getPetById", "deleteUser", "nope"] });
    expect(draft.operations.map((o) => o.command)).toEqual(["getPetById", "deleteUser"]);
    expect(Object.keys(draft.openapi.operations)).toEqual(["getPetById", "deleteUser"]);
    expect(draft.warnings).toContain("select: no operation or command named 'nope'");
  });
});

describe("parseOpenApi edge cases", () => {
  it("keeps recursive schemas recursive: each shared schema stored once, pointed at with $ref", async () => {
    const draft = await parseOpenApi(fixture("@readme/oas-examples/3.0/json/schema-circular.json"));
    const plan = draft.openapi;
    expect(plan.format).toBe(2);
    expect(plan.operations.postNotQuiteCircular?.params[0]?.schema).toEqual({ $ref: "#/schemas/ZoneRules" });
    expect(plan.schemas?.ZoneRules).toEqual({
      type: "object",
      properties: { transitions: { type: "array", items: { $ref: "#/schemas/ZoneOffsetTransition" } } },
    });
    expect(plan.schemas?.ZoneOffset).toEqual({
      type: "object",
      properties: { id: { type: "string" }, rules: { $ref: "#/schemas/ZoneRules" } },
    });
    expect(plan.schemas?.MultiPart?.properties).toMatchObject({ parent: { $ref: "#/schemas/MultiPart" } });
    expect(JSON.stringify(plan)).not.toContain("x-patchbay-cut");
    expect(draft.warnings.filter((w) => w.includes("schema"))).toEqual([]);
  });

  it("checks a value against a recursive schema at every level, not only down to where it recurs", async () => {
    const plan = (await parseOpenApi(fixture("@readme/oas-examples/3.0/json/schema-circular.json"))).openapi;
    const operation = plan.operations.postNotQuiteCircular as OperationPlan;
    const rules = (id: unknown) => ({
      transitions: [{ offsetBefore: { id: "UTC", rules: { transitions: [{ offsetAfter: { id } }] } } }],
    });
    expect(validateParams(operation, { rules: rules("CET") }, plan.schemas)).toEqual([]);
    expect(validateParams(operation, { rules: rules(5) }, plan.schemas)).toEqual([
      "rules/transitions/0/offsetBefore/rules/transitions/0/offsetAfter/id must be string",
    ]);
  });

  it("names operations without an operationId from method and path, and numbers collisions", async () => {
    const draft = await parseOpenApi(
      doc({
        "/items/{id}": {
          get: {
            parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer" } }],
            responses: { 200: { description: "ok" } },
          },
        },
        "/a": { get: { operationId: "list_items", responses: { 200: { description: "ok" } } } },
        "/b": { get: { operationId: "list-items", responses: { 200: { description: "ok" } } } },
      }),
    );
    expect(draft.operations.map((o) => [o.operationId, o.command])).toEqual([
      ["get_/items/{id}", "getItemsId"],
      ["list_items", "listItems"],
      ["list-items", "listItems2"],
    ]);
    expect(draft.warnings).toEqual([
      "GET /items/{id}: no operationId; command named 'getItemsId'",
      "GET /b: command name 'listItems' is taken; named 'listItems2'",
    ]);
    expect(draft.version).toBe("2.1.0");
  });

  it("substitutes server variables and maps bearer, basic and OAuth 2 authorization-code schemes", async () => {
    const draft = await parseOpenApi(
      doc(
        { "/me": { get: { operationId: "me", responses: { 200: { description: "ok" } } } } },
        {
          servers: [
            {
              url: "https://{region}.api.example.com/{version}",
              variables: { region: { default: "eu" }, version: { default: "v2" } },
            },
          ],
          components: {
            securitySchemes: {
              token: { type: "http", scheme: "bearer" },
              basic: { type: "http", scheme: "basic" },
              oauth: {
                type: "oauth2",
                flows: {
                  authorizationCode: {
                    authorizationUrl: "https://auth.example.com/authorize",
                    tokenUrl: "https://auth.example.com/token",
                    scopes: { read: "Read", write: "Write" },
                  },
                },
              },
              oid: {
                type: "openIdConnect",
                openIdConnectUrl: "https://auth.example.com/.well-known/openid-configuration",
              },
            },
          },
        },
      ),
    );
    const config = draft.configSchema.connectionConfig ?? {};
    expect(config.baseUrl?.default).toBe("https://eu.api.example.com/v2");
    expect(Object.keys(config).sort()).toEqual([
      "baseUrl",
      "bearerToken",
      "clientId",
      "clientSecret",
      "password",
      "tokenUrl",
      "username",
    ]);
    expect(config.tokenUrl?.default).toBe("https://auth.example.com/token");
    expect(config.clientSecret).toMatchObject({ type: "secret", secret: true });
    expect(draft.oauth).toEqual({
      authorizeUrl: "https://auth.example.com/authorize",
      tokenUrl: "https://auth.example.com/token",
      scopes: ["read", "write"],
    });
    expect(draft.authType).toBe("oauth");
    expect(draft.warnings).toEqual([
      "security scheme 'oid' (openIdConnect) is not supported and was skipped",
    ]);
  });

  it("keeps defaults and enums, warns about cookie params and content-encoded params", async () => {
    const draft = await parseOpenApi(
      doc({
        "/search": {
          get: {
            operationId: "search",
            parameters: [
              { name: "limit", in: "query", schema: { type: "integer", default: 25 } },
              { name: "sort", in: "query", schema: { type: "string", enum: ["asc", "desc"] } },
              { name: "session", in: "cookie", schema: { type: "string" } },
              {
                name: "filter",
                in: "query",
                content: { "application/json": { schema: { type: "object" } } },
              },
            ],
            responses: { 200: { description: "ok" } },
          },
        },
      }),
    );
    expect(draft.configSchema.commands?.search?.paramSchema).toEqual({
      limit: { type: "number", default: 25 },
      sort: { type: "select", options: ["asc", "desc"] },
      session: { type: "string" },
      filter: { type: "raw" },
    });
    expect(draft.warnings).toEqual([
      "GET /search: cookie parameter 'session' is sent in a Cookie header",
      "GET /search: parameter 'filter' uses 'content' (application/json); its value is sent serialized as-is",
    ]);
  });

  it("refuses an external $ref, naming it, without fetching or reading it", async () => {
    for (const ref of ["https://example.com/schemas/pet.json", "./pet.yaml#/Pet", "file:///etc/passwd"]) {
      const error = await refusal(
        doc({
          "/p": {
            get: {
              operationId: "p",
              responses: {
                200: { description: "ok", content: { "application/json": { schema: { $ref: ref } } } },
              },
            },
          },
        }),
      );
      expect(error.rawMessage).toBe(
        `document: external $ref '${ref}' is not supported; bundle the description into one document first`,
      );
    }
  });

  it("refuses text that is not a description, naming the reason", async () => {
    expect((await refusal("")).rawMessage).toBe("document: the document is empty");
    expect((await refusal("{ not json")).rawMessage).toMatch(
      /^document: the document is neither valid JSON nor valid YAML/,
    );
    expect((await refusal("just a string")).rawMessage).toBe(
      "document: the document must be a JSON or YAML object",
    );
    expect((await refusal({ openapi: "4.0.0", paths: {} })).rawMessage).toBe(
      "document: OpenAPI 4.0.0 is not supported; use 3.0, 3.1 or Swagger 2.0",
    );
    expect((await refusal({ info: {} })).rawMessage).toBe(
      "document: not an OpenAPI document (no 'openapi' or 'swagger' version field)",
    );
    const invalid = await refusal({ openapi: "3.0.3", info: { title: "x" }, paths: {} });
    expect(invalid.rawMessage).toMatch(/^document: the document is not valid OpenAPI/);
  });
});
