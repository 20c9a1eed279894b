import type { JsonObject } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ExecuteService, ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { fixture } from "../connectors/openapi/fixtures.ts";
import { type FakeApiServer, startFakeApiServer } from "../support/openapi-fake-server.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

const PETSTORE = fixture("@readme/oas-examples/3.0/json/petstore.json");
const API_KEY = "pk-live-0123456789abcdef";

function failureOf(error: unknown) {
  expect(error).toBeInstanceOf(ConnectError);
  const [detail] = (error as ConnectError).findDetails(ExecutionFailureSchema);
  return { code: (error as ConnectError).code, message: (error as ConnectError).rawMessage, detail };
}

async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

// Petstore (3.0, from @readme/oas-examples) imported with CreateConnector, its generated commands run
// against a fake Petstore on loopback that checks every request against the same description.
describe.each(BACKENDS)("OpenAPI-derived connectors over the wire on %s", (backend) => {
  let t: TestServer;
  let fake: FakeApiServer;
  let connectionId = "";
  const headers = () => ({ authorization: `Bearer ${t.adminKey}` });
  const catalog = () => createClient(CatalogService, createGrpcTransport({ baseUrl: t.url }));
  const execute = (command: string, params: JsonObject = {}) =>
    createClient(ExecuteService, createGrpcTransport({ baseUrl: t.url })).execute(
      { target: { case: "connectionId", value: connectionId }, command, params },
      { headers: headers() },
    );
  const rest = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${t.url}${path}`, {
      method,
      headers: { ...headers(), "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  let warnings: string[] = [];

  beforeAll(async () => {
    fake = await startFakeApiServer(JSON.parse(PETSTORE) as object, { basePath: "/v2" });
    t = await startTestServer(backend);
    const created = await catalog().createConnector(
      { name: "petstore", executionModel: "openapi", openapiDocument: PETSTORE, category: "demo" },
      { headers: headers() },
    );
    warnings = created.warnings;
    const started = await rest("POST", "/api/v1/connections", { connectorSlug: "petstore" });
    connectionId = (started.body.connection as { id: string }).id;
    const submitted = await rest("POST", `/api/v1/connections/${connectionId}/credentials`, {
      credentials: { baseUrl: fake.url, apiKey: API_KEY },
    });
    expect(submitted.status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  it("CreateConnector derives commands, connection fields and auth from the document", async () => {
    const { connector } = await catalog().getConnector({ slug: "petstore" }, { headers: headers() });
    expect(connector).toMatchObject({
      executionModel: "openapi",
      authType: "api_key",
      version: "1.0.0",
      name: "Swagger Petstore",
      category: "demo",
    });
    const capabilities = await catalog().getCapabilities({ slug: "petstore" }, { headers: headers() });
    expect(capabilities.commands).toHaveLength(20);
    expect(capabilities.commands.map((c) => c.name)).toContain("getPetById");
    expect(capabilities.connectionConfig.baseUrl).toMatchObject({ required: true });
    expect(capabilities.connectionConfig.apiKey).toMatchObject({ type: "secret" });
    expect(warnings.some((w) => w.includes("petstore_auth"))).toBe(true);
  });

  it("runs generated commands, and every request they send conforms to the description", async () => {
    // Petstore documents only error answers for these two.
    fake.respond("updateUser", 200, {});
    fake.respond("deleteOrder", 204);
    const before = fake.requests.length;
    const pet = await execute("getPetById", { petId: 7 });
    expect(pet.payload).toHaveProperty("name");
    const login = await execute("loginUser", { username: "jane", password: "s3cret" });
    expect(login.executionId).not.toBe("");
    await execute("createUser", { id: 5, username: "jane", email: "jane@example.com", userStatus: 1 });
    await execute("updateUser", { username: "jane doe/2", firstName: "Jane" });
    await execute("getInventory");
    await execute("deleteOrder", { orderId: 3 });
    const seen = fake.requests.slice(before);
    expect(seen.map((r) => r.operationId)).toEqual([
      "getPetById",
      "loginUser",
      "createUser",
      "updateUser",
      "getInventory",
      "deleteOrder",
    ]);
    for (const request of seen) expect(request.errors, request.operationId).toEqual([]);
    const [byId, login2, create, update, inventory] = seen;
    expect(byId?.path).toBe("/v2/pet/7");
    expect(byId?.headers.api_key).toBe(API_KEY);
    expect(login2?.query).toEqual({ username: "jane", password: "s3cret" });
    expect(create?.body).toEqual({ id: 5, username: "jane", email: "jane@example.com", userStatus: 1 });
    expect(update?.path).toBe("/v2/user/jane%20doe%2F2");
    expect(update?.body).toEqual({ firstName: "Jane" });
    expect(inventory?.headers.api_key).toBe(API_KEY);
  });

  it("checks params against their schemas before anything is sent, naming fields, not values", async () => {
    const before = fake.requests.length;
    const error = await rejection(execute("placeOrder", { petId: 2.5, quantity: 1.5, status: "placed" }));
    const failure = failureOf(error);
    expect(failure.code).toBe(Code.InvalidArgument);
    expect(failure.detail?.errorCode).toBe("INVALID_PARAMS");
    expect(failure.message).toContain("petId");
    expect(failure.message).toContain("quantity");
    expect(failure.message).not.toContain("2.5");
    expect(fake.requests.length).toBe(before);
  });

  it("fails an operation whose security the connection cannot satisfy as not connected", async () => {
    const before = fake.requests.length;
    const failure = failureOf(await rejection(execute("addPet", { name: "Rex", photoUrls: ["x"] })));
    expect(failure.code).toBe(Code.FailedPrecondition);
    expect(failure.detail?.errorCode).toBe("MISSING_CREDENTIALS");
    expect(failure.detail?.failureClass).toBe("not_connected");
    expect(failure.message).not.toContain(API_KEY);
    expect(fake.requests.length).toBe(before);
  });

  it("maps upstream statuses through the failure classes without upstream content", async () => {
    fake.respond("getOrderById", 404, { message: "no order for jane@example.com" });
    fake.respond("deleteUser", 503, { message: "down" });
    fake.respond("logoutUser", 429, {});
    fake.respond("getUserByName", 401, {});
    const cases = [
      ["getOrderById", { orderId: 4 }, Code.FailedPrecondition, "command_failed", 404],
      ["deleteUser", { username: "jane" }, Code.Unavailable, "upstream_unavailable", 503],
      ["logoutUser", {}, Code.ResourceExhausted, "upstream_rate_limited", 429],
      ["getUserByName", { username: "jane" }, Code.FailedPrecondition, "upstream_auth", 401],
    ] as const;
    for (const [command, params, code, failureClass, status] of cases) {
      const failure = failureOf(await rejection(execute(command, params)));
      expect(failure.code, command).toBe(code);
      expect(failure.detail?.failureClass, command).toBe(failureClass);
      expect(failure.detail?.errorCode, command).toBe(`UPSTREAM_HTTP_${status}`);
      expect(failure.detail?.diagnostics?.status, command).toBe(status);
      expect(failure.message, command).not.toContain("jane");
    }
    // The execution log has the same, for operators.
    const log = await rest("GET", "/api/v1/executions?page_size=50");
    const records = (log.body.executions as Array<Record<string, unknown>>).filter(
      (e) => e.connectorSlug === "petstore" && e.command === "getOrderById",
    );
    expect(records[0]).toMatchObject({ status: "failed", errorCode: "UPSTREAM_HTTP_404" });
    expect(JSON.stringify(records)).not.toContain("jane");
  });

  it("refuses unusable CreateConnector requests with INVALID_ARGUMENT naming the field", async () => {
    const create = (body: Record<string, unknown>) =>
      rejection(
        catalog().createConnector(
          { name: "bad-api", executionModel: "openapi", ...body },
          { headers: headers() },
        ),
      );
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, "openapi_document is required"],
      [{ openapiDocument: "{ not json or yaml: [" }, "openapi_document"],
      [{ openapiDocument: JSON.stringify({ hello: "world" }) }, "openapi_document"],
      [
        {
          openapiDocument: JSON.stringify({
            openapi: "3.0.3",
            info: { title: "x", version: "1.0.0" },
            paths: { "/a": { get: { responses: { 200: { $ref: "https://example.com/r.json" } } } } },
          }),
        },
        "https://example.com/r.json",
      ],
      [{ openapiDocument: PETSTORE, operations: ["nothingLikeThis"] }, "operations"],
      [
        { openapiDocument: PETSTORE, configSchema: { commands: { a: { description: "x" } } } },
        "config_schema",
      ],
    ];
    for (const [body, text] of cases) {
      const error = await create(body);
      expect(error.code, text).toBe(Code.InvalidArgument);
      expect(error.rawMessage, text).toContain(text);
    }
    const missing = await rest("GET", "/api/v1/connectors/bad-api");
    expect(missing.status).toBe(404);
  });

  it("imports a subset, and re-imports a changed document with the version bump it needs", async () => {
    const created = await catalog().createConnector(
      {
        name: "petstore-users",
        executionModel: "openapi",
        openapiDocument: PETSTORE,
        operations: ["loginUser", "getUserByName", "logoutUser"],
      },
      { headers: headers() },
    );
    expect(created.connector?.version).toBe("1.0.0");
    const first = await catalog().getCapabilities({ slug: "petstore-users" }, { headers: headers() });
    expect(first.commands.map((c) => c.name).sort()).toEqual(["getUserByName", "loginUser", "logoutUser"]);

    // The next version of the API drops GET /user/logout: a removed command is a major change.
    const next = JSON.parse(PETSTORE) as { info: { version: string }; paths: Record<string, unknown> };
    delete next.paths["/user/logout"];
    const refused = await rejection(
      catalog().updateConnector(
        { slug: "petstore-users", openapiDocument: JSON.stringify(next), version: "1.1.0" },
        { headers: headers() },
      ),
    );
    expect(refused.code).toBe(Code.FailedPrecondition);
    const updated = await catalog().updateConnector(
      { slug: "petstore-users", openapiDocument: JSON.stringify(next), autoBump: true },
      { headers: headers() },
    );
    expect(updated).toMatchObject({ previousVersion: "1.0.0", requiredBump: "major" });
    expect(updated.connector?.version).toBe("2.0.0");
    expect(updated.warnings.some((w) => w.includes("logoutUser"))).toBe(true);
    const after = await catalog().getCapabilities({ slug: "petstore-users" }, { headers: headers() });
    expect(after.commands.map((c) => c.name).sort()).toEqual(["getUserByName", "loginUser"]);
  });

  it("re-imports a moved operation as a patch, and Execute sends the new request at once", async () => {
    const moved = JSON.parse(PETSTORE) as { paths: Record<string, unknown> };
    moved.paths["/v2-orders/{orderId}"] = moved.paths["/store/order/{orderId}"];
    delete moved.paths["/store/order/{orderId}"];
    const updated = await catalog().updateConnector(
      { slug: "petstore", openapiDocument: JSON.stringify(moved), autoBump: true },
      { headers: headers() },
    );
    expect(updated).toMatchObject({ previousVersion: "1.0.0", requiredBump: "patch" });
    expect(updated.connector?.version).toBe("1.0.1");
    fake.respond("getOrderById", 200, { id: 4 });
    const before = fake.requests.length;
    await rejection(execute("getOrderById", { orderId: 4 }));
    // The fake still serves the old description, so the moved path matches nothing there: what matters
    // is that the request went to the new path.
    expect(fake.requests[before]?.path).toBe("/v2/v2-orders/4");
    // Put it back for the other tests (a patch again: the request changed back).
    const restored = await catalog().updateConnector(
      { slug: "petstore", openapiDocument: PETSTORE, autoBump: true },
      { headers: headers() },
    );
    expect(restored.connector?.version).toBe("1.0.2");
    await execute("getOrderById", { orderId: 4 });
    expect(fake.requests.at(-1)).toMatchObject({ path: "/v2/store/order/4", errors: [] });
  });

  it("re-imports a change inside a shared schema as a patch, and the same document as no change", async () => {
    await catalog().createConnector(
      { name: "petstore-shared", executionModel: "openapi", openapiDocument: PETSTORE },
      { headers: headers() },
    );
    // The stored plan comes back from the database with its keys in jsonb's order: still the same.
    const same = await catalog().updateConnector(
      { slug: "petstore-shared", openapiDocument: PETSTORE, autoBump: true },
      { headers: headers() },
    );
    expect(same).toMatchObject({ previousVersion: "1.0.0", requiredBump: "none" });
    // Category is stored once in the plan; addPet and updatePet point at it from their `category` param.
    const stricter = JSON.parse(PETSTORE) as {
      components: { schemas: { Category: { properties: { name: Record<string, unknown> } } } };
    };
    stricter.components.schemas.Category.properties.name.maxLength = 10;
    const updated = await catalog().updateConnector(
      { slug: "petstore-shared", openapiDocument: JSON.stringify(stricter), autoBump: true },
      { headers: headers() },
    );
    expect(updated).toMatchObject({ previousVersion: "1.0.0", requiredBump: "patch" });
    expect(updated.connector?.version).toBe("1.0.1");
  });
});

// The egress policy applies to generated commands like to every outbound call: with an empty
// allow-list a connection whose baseUrl is on loopback is refused before any connection is made.
describe("OpenAPI-derived connectors under the default egress policy", () => {
  let t: TestServer;
  let fake: FakeApiServer;
  beforeAll(async () => {
    fake = await startFakeApiServer(JSON.parse(PETSTORE) as object, { basePath: "/v2" });
    t = await startTestServer("postgresql", { PATCHBAY_EGRESS_ALLOW: "" });
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  it("refuses a loopback baseUrl with EGRESS_REFUSED and sends nothing", async () => {
    const headers = { authorization: `Bearer ${t.adminKey}` };
    const call = async (method: string, path: string, body: unknown) =>
      (await fetch(`${t.url}${path}`, {
        method,
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then((r) => r.json())) as Record<string, unknown>;
    await createClient(CatalogService, createGrpcTransport({ baseUrl: t.url })).createConnector(
      { name: "petstore", executionModel: "openapi", openapiDocument: PETSTORE },
      { headers },
    );
    const started = await call("POST", "/api/v1/connections", { connectorSlug: "petstore" });
    const id = (started.connection as { id: string }).id;
    await call("POST", `/api/v1/connections/${id}/credentials`, {
      credentials: { baseUrl: fake.url, apiKey: API_KEY },
    });
    const error = await rejection(
      createClient(ExecuteService, createGrpcTransport({ baseUrl: t.url })).execute(
        { target: { case: "connectionId", value: id }, command: "getPetById", params: { petId: 1 } },
        { headers },
      ),
    );
    const failure = failureOf(error);
    expect(failure.detail?.errorCode).toBe("EGRESS_REFUSED");
    expect(failure.code).toBe(Code.FailedPrecondition);
    expect(failure.message).not.toContain(API_KEY);
    expect(fake.requests).toHaveLength(0);
  });
});
