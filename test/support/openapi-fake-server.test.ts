import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { fixture } from "../connectors/openapi/fixtures.ts";
import { type FakeApiServer, startFakeApiServer } from "./openapi-fake-server.ts";

const json = { "content-type": "application/json" };

/** Sends one request and returns what the fake recorded for it and the answer's status and body. */
async function send(server: FakeApiServer, path: string, init: RequestInit = {}) {
  const response = await fetch(`${server.url}${path}`, init);
  const text = await response.text();
  const checked = server.requests.at(-1);
  if (checked === undefined) throw new Error("the request was not recorded");
  return { checked, status: response.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
}

describe("startFakeApiServer on the Petstore description (3.0, server path /v2)", () => {
  let server: FakeApiServer;
  beforeAll(async () => {
    server = await startFakeApiServer(JSON.parse(fixture("@readme/oas-examples/3.0/json/petstore.json")), {
      basePath: "/v2",
    });
  });
  afterAll(() => server.close());

  it("listens on loopback under the base path", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/);
  });

  it("records a valid request with its operation and answers the mocked success response", async () => {
    const { checked, status, body } = await send(server, "/pet/findByStatus?status=available&status=sold");
    expect(checked).toMatchObject({
      operationId: "findPetsByStatus",
      method: "GET",
      path: "/v2/pet/findByStatus",
      query: { status: ["available", "sold"] },
      errors: [],
    });
    expect(status).toBe(200);
    expect(body).toEqual([expect.objectContaining({ id: 25, name: "doggie" })]); // the response's example
  });

  it("reports a missing required query parameter and a value outside its enum", async () => {
    expect((await send(server, "/pet/findByStatus")).checked.errors).toEqual([
      "/query must have required property 'status'",
    ]);
    expect((await send(server, "/pet/findByStatus?status=lost")).checked.errors).toEqual([
      '/query/status/0 must be equal to one of the allowed values ["available","pending","sold"]',
    ]);
  });

  it("reports a path parameter of the wrong type", async () => {
    expect((await send(server, "/pet/5")).checked).toMatchObject({ operationId: "getPetById", errors: [] });
    expect((await send(server, "/pet/abc")).checked).toMatchObject({
      operationId: "getPetById",
      errors: ["/path/petId must be integer"],
    });
  });

  it("checks a JSON body: required properties, types, media type", async () => {
    const post = (body: string, headers: Record<string, string> = json) =>
      send(server, "/pet", { method: "POST", headers, body });
    const valid = await post(JSON.stringify({ name: "Rex", photoUrls: ["https://example.test/rex.png"] }));
    expect(valid.checked).toMatchObject({ operationId: "addPet", body: { name: "Rex" }, errors: [] });
    expect((await post(JSON.stringify({ name: "Rex" }))).checked.errors).toEqual([
      "/requestBody must have required property 'photoUrls'",
    ]);
    expect((await post(JSON.stringify({ name: 5, photoUrls: [] }))).checked.errors).toEqual([
      "/requestBody/name must be string",
    ]);
    expect((await post(JSON.stringify(["Rex"]))).checked.errors).toEqual(["/requestBody must be object"]);
    expect((await post("{")).checked.errors).toEqual([expect.stringMatching(/^body is not valid JSON: /)]);
    expect((await post("name=Rex", { "content-type": "text/plain" })).checked.errors).toEqual([
      "content-type 'text/plain' is not one of the request body's media types: application/json, application/xml",
    ]);
    expect((await send(server, "/pet", { method: "POST" })).checked.errors).toEqual([
      "request must have required property 'requestBody'",
    ]);
  });

  it("checks form bodies, urlencoded and multipart", async () => {
    const urlencoded = await send(server, "/pet/5", {
      method: "POST",
      body: new URLSearchParams({ name: "Rex", status: "sold" }),
    });
    expect(urlencoded.checked).toMatchObject({
      operationId: "updatePetWithForm",
      body: { name: "Rex", status: "sold" },
      errors: [],
    });
    const form = new FormData();
    form.set("additionalMetadata", "front");
    form.set("file", new Blob(["png bytes"]), "rex.png");
    const multipart = await send(server, "/pet/5/uploadImage", { method: "POST", body: form });
    expect(multipart.checked).toMatchObject({
      operationId: "uploadFile",
      body: { additionalMetadata: "front", file: "png bytes" },
      errors: [],
    });
    const json = await send(server, "/pet/5", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(json.checked.errors).toEqual([
      "content-type 'application/json' is not one of the request body's media types: application/x-www-form-urlencoded",
    ]);
  });

  it("answers a request that matches no operation 404 and records it unmatched", async () => {
    const outside = await send(server, "/pets");
    expect(outside.status).toBe(404);
    expect(outside.checked).toMatchObject({
      operationId: undefined,
      errors: ["no operation matches GET /v2/pets"],
    });
    const wrongMethod = await send(server, "/pet/5", { method: "PATCH" });
    expect(wrongMethod.status).toBe(404);
    expect(wrongMethod.checked.errors).toEqual(["no operation matches PATCH /v2/pet/5"]);
  });

  it("answers with the reply set by respond", async () => {
    server.respond("getPetById", 404, { code: 1, message: "Pet not found" }, { "x-rate-limit": "9" });
    const response = await fetch(`${server.url}/pet/7`);
    expect(response.status).toBe(404);
    expect(response.headers.get("x-rate-limit")).toBe("9");
    expect(await response.json()).toEqual({ code: 1, message: "Pet not found" });
  });
});

describe("startFakeApiServer on GitHub's REST API description (608 operations)", () => {
  let server: FakeApiServer;
  beforeAll(async () => {
    server = await startFakeApiServer(JSON.parse(fixture("@octokit/routes/api.github.com.json")));
  });
  afterAll(() => server.close());

  it("checks the query of GET /repos/{owner}/{repo}/issues", async () => {
    const valid = await send(server, "/repos/octo/hello/issues?per_page=5&state=open");
    expect(valid.checked).toMatchObject({ operationId: "issues/list-for-repo", errors: [] });
    expect(valid.status).toBe(200);
    expect((await send(server, "/repos/octo/hello/issues?per_page=abc")).checked.errors).toEqual([
      "/query/per_page must be integer",
    ]);
    expect((await send(server, "/repos/octo/hello/issues?colour=red")).checked.errors).toEqual([
      "/query must NOT have additional properties 'colour'",
    ]);
  });

  it("checks the body of POST /repos/{owner}/{repo}/issues", async () => {
    const create = (body: unknown) =>
      send(server, "/repos/octo/hello/issues", { method: "POST", headers: json, body: JSON.stringify(body) });
    const valid = await create({ title: "Found a bug", labels: ["bug"] });
    expect(valid.checked).toMatchObject({ operationId: "issues/create", errors: [] });
    expect(valid.status).toBe(201);
    expect(valid.body).toMatchObject({ number: 1347, title: "Found a bug" });
    expect((await create({ body: "no title" })).checked.errors).toEqual([
      "/requestBody must have required property 'title'",
    ]);
    expect((await create({ title: "x", milestone: "one" })).checked.errors).toEqual([
      "/requestBody/milestone must be integer",
    ]);
  });

  it("answers an operation whose only success is 204 with no body", async () => {
    const { checked, status, body } = await send(server, "/repos/octo/hello", { method: "DELETE" });
    expect(checked).toMatchObject({ operationId: "repos/delete", errors: [] });
    expect(status).toBe(204);
    expect(body).toBeUndefined();
  });
});

describe("startFakeApiServer on other published descriptions", () => {
  it("checks requests against Rebilly's description (355 operations, YAML)", async () => {
    const document = parseYaml(fixture("@redocly/openapi-core/src/benchmark/benches/rebilly.yaml")) as object;
    const server = await startFakeApiServer(document, { basePath: "/v2.1" });
    try {
      const headers = { accept: "application/json" };
      expect((await send(server, "/customers?limit=10", { headers })).checked).toMatchObject({
        operationId: "GetCustomerCollection",
        errors: [],
      });
      expect((await send(server, "/customers?limit=5000", { headers })).checked.errors).toEqual([
        "/query/limit must be <= 1000",
      ]);
    } finally {
      await server.close();
    }
  });

  it("checks requests against an OpenAPI 3.1 description with JSON Schema 2020-12 keywords", async () => {
    const server = await startFakeApiServer({
      openapi: "3.1.0",
      info: { title: "Things", version: "1" },
      paths: {
        "/things/{id}": {
          put: {
            parameters: [
              { name: "id", in: "path", required: true, schema: { type: "integer" } },
              { name: "X-Request-Id", in: "header", required: true, schema: { type: "string" } },
              {
                name: "filter",
                in: "query",
                style: "deepObject",
                schema: { type: "object", properties: { color: { enum: ["red"] } } },
              },
            ],
            requestBody: {
              required: true,
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: { pair: { prefixItems: [{ type: "string" }, { type: "integer" }] } },
                    unevaluatedProperties: false,
                  },
                },
              },
            },
            responses: {
              "200": {
                description: "Updated",
                content: {
                  "application/json": {
                    schema: {
                      type: "object",
                      properties: {
                        id: { type: "integer", minimum: 1 },
                        updated: { type: "string", format: "date-time" },
                        owner: { allOf: [{ properties: { login: { type: "string" } } }] },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    });
    try {
      const put = (query: string, headers: Record<string, string>, body: unknown) =>
        send(server, `/things/1${query}`, {
          method: "PUT",
          headers: { ...json, ...headers },
          body: JSON.stringify(body),
        });
      const valid = await put("?filter[color]=red", { "x-request-id": "r1" }, { pair: ["a", 1] });
      expect(valid.checked).toMatchObject({ operationId: "PUT /things/{id}", errors: [] });
      expect(valid.status).toBe(200);
      // No example: sampled from the schema.
      expect(valid.body).toEqual({ id: 1, updated: "1970-01-01T00:00:00Z", owner: { login: "string" } });
      expect((await put("?filter[color]=blue", {}, { pair: [1, "a"], extra: true })).checked.errors).toEqual([
        "/requestBody/pair/0 must be string",
        "/requestBody/pair/1 must be integer",
        "/requestBody must NOT have unevaluated properties",
        '/query/filter/color must be equal to one of the allowed values ["red"]',
        "/header must have required property 'x-request-id'",
      ]);
    } finally {
      await server.close();
    }
  });

  it("upgrades a Swagger 2.0 description before checking requests against it", async () => {
    const server = await startFakeApiServer(
      JSON.parse(fixture("@readme/oas-examples/2.0/json/petstore.json")),
      {
        basePath: "/v2",
      },
    );
    try {
      expect((await send(server, "/pet/5")).checked).toMatchObject({ operationId: "getPetById", errors: [] });
      expect((await send(server, "/pet/abc")).checked.errors).toEqual(["/path/petId must be integer"]);
    } finally {
      await server.close();
    }
  });
});
