import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ExecuteService, ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

const API_KEY = "crm-key-0123456789";

/** A CRM on loopback: GET /contacts?limit=n, POST /contacts; checks the bearer key. */
async function startCrm(): Promise<{ url: string; seen: IncomingMessage[]; close(): Promise<void> }> {
  const seen: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req);
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.headers.authorization !== `Bearer ${API_KEY}`) {
        res.writeHead(401).end(JSON.stringify({ error: "unauthorized" }));
        return;
      }
      const url = new URL(req.url ?? "/", "http://x");
      if (req.method === "GET" && url.pathname === "/contacts") {
        const limit = Number(url.searchParams.get("limit"));
        res.end(JSON.stringify({ data: [{ id: 1 }, { id: 2 }, { id: 3 }].slice(0, limit), total: 3 }));
      } else if (req.method === "POST" && url.pathname === "/contacts") {
        const parsed = JSON.parse(body) as { email: string };
        res.writeHead(201).end(JSON.stringify({ id: 42, email: parsed.email }));
      } else {
        res.writeHead(404).end("{}");
      }
    });
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((closed) => server.close(() => closed())),
  };
}

// Seed 004's script body, with `patchbay` as the global: the synchronous style and the async one.
const CRM_SCRIPT = `
function listContacts() {
  var url = patchbay.config.baseUrl + "/contacts?limit=" + patchbay.params.limit;
  var resp = patchbay.http.get(url, { Authorization: "Bearer " + patchbay.config.apiKey });
  if (resp.status >= 400) {
    return { success: false, error: "API returned " + resp.status, diagnostics: { statusCode: resp.status } };
  }
  patchbay.log.info("listed contacts");
  return { success: true, payload: { contacts: resp.body.data, total: resp.body.total }, variables: { contactCount: resp.body.total } };
}

async function createContact() {
  var resp = await patchbay.http.post(patchbay.config.baseUrl + "/contacts", { email: patchbay.params.email },
    { Authorization: "Bearer " + patchbay.config.apiKey });
  return { success: true, payload: { contactId: resp.body.id } };
}

function spin() { while (true) {} }

function legacy() { return { success: true, data: { x: 1 } }; }

function test() {
  return { success: patchbay.http.get(patchbay.config.baseUrl + "/contacts?limit=1", { Authorization: "Bearer " + patchbay.config.apiKey }).status < 400 };
}
`;

const CRM_SCHEMA = {
  connectionConfig: {
    baseUrl: { type: "string", required: true, description: "CRM API base URL" },
    apiKey: { type: "string", required: true, secret: true, description: "API key" },
  },
  commands: {
    listContacts: {
      params: ["limit"],
      description: "List contacts",
      outputs: ["contacts", "total"],
      paramSchema: { limit: { type: "number", default: 2 } },
    },
    createContact: {
      params: ["email"],
      description: "Create a contact",
      outputs: ["contactId"],
      paramSchema: { email: { type: "string", required: true } },
    },
    spin: { params: [], description: "Never returns", outputs: [], paramSchema: {} },
    legacy: { params: [], description: "Returns 1.x keys", outputs: [], paramSchema: {} },
    test: { params: [], description: "Test connectivity", outputs: [], paramSchema: {} },
  },
};

function failureOf(error: unknown) {
  expect(error).toBeInstanceOf(ConnectError);
  const [detail] = (error as ConnectError).findDetails(ExecutionFailureSchema);
  return { code: (error as ConnectError).code, message: (error as ConnectError).rawMessage, detail };
}

describe.each(BACKENDS)("script connectors over the wire on %s", (backend) => {
  let t: TestServer;
  let crm: Awaited<ReturnType<typeof startCrm>>;
  let connectionId = "";
  const headers = () => ({ authorization: `Bearer ${t.adminKey}` });
  const transport = () => createGrpcTransport({ baseUrl: t.url });
  const execute = (
    target: { case: "connectionId" | "connectorSlug"; value: string },
    command: string,
    params = {},
  ) => createClient(ExecuteService, transport()).execute({ target, command, params }, { headers: headers() });
  const rest = (path: string, body: unknown) =>
    fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { ...headers(), "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    crm = await startCrm();
    t = await startTestServer(backend);
    const created = await rest("/api/v1/connectors", {
      name: "my-crm",
      executionModel: "script",
      configSchema: CRM_SCHEMA,
      scriptSource: CRM_SCRIPT,
    });
    expect(created.status).toBe(200);
    const started = await rest("/api/v1/connections", { connectorSlug: "my-crm" });
    connectionId = ((await started.json()) as { connection: { id: string } }).connection.id;
    const submitted = await rest(`/api/v1/connections/${connectionId}/credentials`, {
      credentials: { baseUrl: crm.url, apiKey: API_KEY },
    });
    expect(submitted.status).toBe(200);
  });
  afterAll(async () => {
    await t?.stop();
    await crm?.close();
  });

  it("seeds sample-script and runs its commands", async () => {
    const { connector } = await createClient(CatalogService, transport()).getConnector(
      { slug: "sample-script" },
      { headers: headers() },
    );
    expect(connector).toMatchObject({
      executionModel: "script",
      availability: "available",
      authType: "none",
    });
    const slug = { case: "connectorSlug", value: "sample-script" } as const;
    expect((await execute(slug, "test")).payload).toEqual({ version: "1.0.0", employees: 5 });
    const found = await execute(slug, "lookupEmployee", { email: "GRACE@example.com" });
    expect(found.payload).toMatchObject({ employee: { id: "e-1002", name: "Grace Hopper" } });
    expect(found.variables).toEqual({ employeeId: "e-1002" });
    const listed = await execute(slug, "listEmployees", { department: "research" });
    expect(listed.payload).toMatchObject({ total: 2 });
    const echoed = await execute(slug, "echo", { a: 1 });
    expect(echoed.payload).toEqual({ params: { a: 1 }, config: {}, variables: {} });
    const refused = failureOf(
      await execute(slug, "createEmployee", { email: "not-an-email", name: "X" }).catch((e: unknown) => e),
    );
    expect(refused).toMatchObject({
      code: Code.FailedPrecondition,
      message: "email must be an email address; name must have at least 2 characters",
    });
    const missing = failureOf(await execute(slug, "createEmployee", {}).catch((e: unknown) => e));
    expect(missing).toMatchObject({
      code: Code.InvalidArgument,
      message: "Missing required field(s): email, name",
    });
  });

  it("runs a user script with the connection's credentials, synchronous and async HTTP styles", async () => {
    const target = { case: "connectionId", value: connectionId } as const;
    const listed = await execute(target, "listContacts");
    expect(listed.payload).toEqual({ contacts: [{ id: 1 }, { id: 2 }], total: 3 });
    expect(listed.variables).toEqual({ contactCount: 3 });
    expect(crm.seen.at(-1)?.url).toBe("/contacts?limit=2");
    const created = await execute(target, "createContact", { email: "ada@example.com" });
    expect(created.payload).toEqual({ contactId: 42 });
    expect(crm.seen.at(-1)?.headers["content-type"]).toBe("application/json");
    expect(t.logs.text()).not.toContain(API_KEY);
  });

  it("ends a script that never returns with DEADLINE_EXCEEDED and SCRIPT_TIMEOUT, and keeps serving", async () => {
    const target = { case: "connectionId", value: connectionId } as const;
    const spun = failureOf(
      await createClient(ExecuteService, transport())
        .execute({ target, command: "spin", metadata: { timeoutMs: 300 } }, { headers: headers() })
        .catch((e: unknown) => e),
    );
    expect(spun.code).toBe(Code.DeadlineExceeded);
    expect(spun.detail?.errorCode).toMatch(/^(SCRIPT_TIMEOUT|TIMEOUT)$/);
    expect((await execute(target, "listContacts", { limit: 1 })).payload).toMatchObject({ total: 3 });
  });

  it("applies the connector's own sandbox limits, and refuses limits out of range naming the field", async () => {
    const limited = await rest("/api/v1/connectors", {
      name: "limited-script",
      executionModel: "script",
      configSchema: {
        connectionConfig: {},
        commands: { three: { params: [], description: "", outputs: [], paramSchema: {} } },
      },
      scriptSource:
        "function three() { for (var i = 0; i < 3; i++) patchbay.http.get(patchbay.variables.url); return {}; }",
      scriptLimits: { httpCalls: 2, memoryMb: 32 },
    });
    expect(limited.status).toBe(200);
    expect(
      ((await limited.json()) as { connector: { scriptLimits: unknown } }).connector.scriptLimits,
    ).toEqual({
      memoryMb: 32,
      httpCalls: 2,
      // Answers carry every limit; zero means the default.
      cpuMs: 0,
      wallMs: 0,
      responseBytes: 0,
    });
    const error = await createClient(ExecuteService, transport())
      .execute(
        {
          target: { case: "connectorSlug", value: "limited-script" },
          command: "three",
          variables: { url: `${crm.url}/contacts?limit=1` },
        },
        { headers: headers() },
      )
      .catch((e: unknown) => e);
    const failure = failureOf(error);
    expect(failure.code).toBe(Code.Internal);
    expect(failure.detail?.errorCode).toBe("SCRIPT_HTTP_LIMIT");
    const refused = await rest("/api/v1/connectors", {
      name: "greedy-script",
      executionModel: "script",
      configSchema: {
        connectionConfig: {},
        commands: { three: { params: [], description: "", outputs: [], paramSchema: {} } },
      },
      scriptSource: "function three() { return {}; }",
      scriptLimits: { memoryMb: 4096 },
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toBe(
      "script_limits.memory_mb must be from 8 to 512 (0 for the default)",
    );
  });

  it("rejects legacy 1.x result keys with the upgrade message", async () => {
    const legacy = failureOf(
      await execute({ case: "connectionId", value: connectionId }, "legacy").catch((e: unknown) => e),
    );
    expect(legacy.code).toBe(Code.Internal);
    expect(legacy.detail?.errorCode).toBe("LEGACY_RESULT_KEYS");
  });
});

describe("script connectors under the egress policy", () => {
  let t: TestServer;
  let crm: Awaited<ReturnType<typeof startCrm>>;
  const headers = () => ({ authorization: `Bearer ${t.adminKey}` });

  beforeAll(async () => {
    crm = await startCrm();
    // No allow-list: loopback is refused, as any private address would be.
    t = await startTestServer("postgresql", { PATCHBAY_EGRESS_ALLOW: "" });
  });
  afterAll(async () => {
    await t?.stop();
    await crm?.close();
  });

  it("refuses a script's call to a private address before connecting, inside the sandbox process", async () => {
    const created = await fetch(`${t.url}/api/v1/connectors`, {
      method: "POST",
      headers: { ...headers(), "content-type": "application/json" },
      body: JSON.stringify({
        name: "nosy-script",
        executionModel: "script",
        configSchema: {
          connectionConfig: {},
          commands: {
            reach: {
              params: ["url"],
              description: "",
              outputs: [],
              paramSchema: { url: { type: "string" } },
            },
          },
        },
        scriptSource: `function reach() {
  try { patchbay.http.get(patchbay.params.url); return { payload: { reached: true } }; }
  catch (e) { return { payload: { reached: false, code: e.code, message: e.message } }; }
}`,
      }),
    });
    expect(created.status).toBe(200);
    const result = await createClient(ExecuteService, createGrpcTransport({ baseUrl: t.url })).execute(
      {
        target: { case: "connectorSlug", value: "nosy-script" },
        command: "reach",
        params: { url: `${crm.url}/contacts` },
      },
      { headers: headers() },
    );
    expect(result.payload).toEqual({
      reached: false,
      code: "EGRESS_REFUSED",
      message: "Outbound request to 127.0.0.1 refused (loopback); PATCHBAY_EGRESS_ALLOW can allow it",
    });
    expect(crm.seen).toEqual([]);
  });
});
