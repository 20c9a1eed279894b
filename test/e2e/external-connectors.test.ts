import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ExecuteService, ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { type ServedConnector, serveConnector } from "../../src/connectors/external/index.ts";
import { greeterFixture } from "../connectors/external/greeter-fixture.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

const API_KEY = "ext-key-0123456789";
const PROTOCOLS = ["grpc", "connect", "http"] as const;

function failureOf(error: unknown) {
  expect(error).toBeInstanceOf(ConnectError);
  const [detail] = (error as ConnectError).findDetails(ExecutionFailureSchema);
  return { code: (error as ConnectError).code, message: (error as ConnectError).rawMessage, detail };
}

describe.each(BACKENDS)("external connectors over the wire on %s", (backend) => {
  let t: TestServer;
  let served: ServedConnector;
  const connections = new Map<string, string>();
  const headers = () => ({ authorization: `Bearer ${t.adminKey}` });
  const transport = () => createGrpcTransport({ baseUrl: t.url });
  const rest = (path: string, body: unknown, method = "POST") =>
    fetch(`${t.url}${path}`, {
      method,
      headers: { ...headers(), "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    served = await serveConnector(greeterFixture);
    t = await startTestServer(backend);
    for (const protocol of PROTOCOLS) {
      await createClient(CatalogService, transport()).createConnector(
        {
          name: `greeter-${protocol}`,
          executionModel: "external",
          endpointUrl: served.url,
          protocol,
        },
        { headers: headers() },
      );
      const started = await rest("/api/v1/connections", { connectorSlug: `greeter-${protocol}` });
      const id = ((await started.json()) as { connection: { id: string } }).connection.id;
      const submitted = await rest(`/api/v1/connections/${id}/credentials`, {
        credentials: { apiKey: API_KEY },
      });
      expect(submitted.status).toBe(200);
      connections.set(protocol, id);
    }
  });
  afterAll(async () => {
    await t?.stop();
    await served?.close();
  });

  it("registers with the schema the connector describes and its health checked", async () => {
    const { connector } = await createClient(CatalogService, transport()).getConnector(
      { slug: "greeter-grpc" },
      { headers: headers() },
    );
    expect(connector).toMatchObject({
      executionModel: "external",
      authType: "api_key",
      version: "1.2.3",
      availability: "available",
      endpointUrl: served.url,
      protocol: "grpc",
    });
    const capabilities = await createClient(CatalogService, transport()).getCapabilities(
      { slug: "greeter-grpc" },
      { headers: headers() },
    );
    expect(capabilities.commands.map((c) => c.name)).toEqual(["boom", "hello", "reject"]);
    expect(capabilities.connectionConfig.apiKey).toMatchObject({ type: "secret", required: true });
  });

  it.each(PROTOCOLS)("keeps the effect hints the connector describes over %s", async (protocol) => {
    const { commands } = await createClient(CatalogService, transport()).getCapabilities(
      { slug: `greeter-${protocol}` },
      { headers: headers() },
    );
    expect(commands.find((c) => c.name === "hello")?.readOnly).toBe(true);
    expect(commands.find((c) => c.name === "reject")?.readOnly).toBeUndefined();
  });

  it.each(PROTOCOLS)(
    "executes a command through protocol %s with the connection's credentials",
    async (protocol) => {
      const res = await createClient(ExecuteService, transport()).execute(
        {
          target: { case: "connectionId", value: connections.get(protocol) ?? "" },
          command: "hello",
          params: { name: "Ada" },
          metadata: { runId: `run-${protocol}`, stepId: "s1" },
        },
        { headers: headers() },
      );
      expect(res.payload).toEqual({ greeting: "Hello, Ada!", runId: `run-${protocol}` });
      expect(res.variables).toEqual({ greeted: "Ada", keyLength: API_KEY.length });
      expect(res.executionId).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  it.each(PROTOCOLS)(
    "validates params against the registered schema before calling (%s)",
    async (protocol) => {
      const error = await createClient(ExecuteService, transport())
        .execute(
          { target: { case: "connectionId", value: connections.get(protocol) ?? "" }, command: "hello" },
          { headers: headers() },
        )
        .catch((e: unknown) => e);
      const failure = failureOf(error);
      expect(failure).toMatchObject({
        code: Code.InvalidArgument,
        message: "Missing required field(s): name",
      });
      expect(failure.detail?.errorCode).toBe("MISSING_REQUIRED_FIELDS");
    },
  );

  it.each(PROTOCOLS)(
    "reports the connector's own failure with its text and variables (%s)",
    async (protocol) => {
      const error = await createClient(ExecuteService, transport())
        .execute(
          { target: { case: "connectionId", value: connections.get(protocol) ?? "" }, command: "reject" },
          { headers: headers() },
        )
        .catch((e: unknown) => e);
      const failure = failureOf(error);
      expect(failure.code).toBe(Code.Unavailable);
      expect(failure.message).toBe("Upstream rejected the request");
      expect(failure.detail).toMatchObject({
        failureClass: "upstream_unavailable",
        variables: { rejected: true },
      });
    },
  );

  it.each(PROTOCOLS)("never passes on what a throwing connector said (%s)", async (protocol) => {
    const error = await createClient(ExecuteService, transport())
      .execute(
        { target: { case: "connectionId", value: connections.get(protocol) ?? "" }, command: "boom" },
        { headers: headers() },
      )
      .catch((e: unknown) => e);
    const failure = failureOf(error);
    expect(failure.message).not.toContain("jane@example.com");
    expect(JSON.stringify(failure.detail)).not.toContain("jane@example.com");
    expect(t.logs.text()).not.toContain(API_KEY);
  });

  it("records external executions for operators", async () => {
    const res = await rest(`/api/v1/executions?connector_slug=greeter-http&status=failed`, undefined, "GET");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { executions: { command: string; errorCode: string }[] };
    expect(body.executions.map((e) => e.command).sort()).toEqual(["boom", "hello", "reject"]);
  });

  it("refuses a connector that does not answer its health check", async () => {
    const gone = await serveConnector(greeterFixture);
    await gone.close();
    const error = await createClient(CatalogService, transport())
      .createConnector(
        { name: "greeter-gone", executionModel: "external", endpointUrl: gone.url, protocol: "grpc" },
        { headers: headers() },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.FailedPrecondition);
  });

  it("refuses a connector that reports an auth_type other than oauth, api_key or none", async () => {
    // A plain-HTTP connector whose GET /schema names an auth type the catalog does not know.
    const odd = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/schema") {
        res.end(
          JSON.stringify({
            name: "odd",
            version: "1.0.0",
            authType: "basic",
            commands: { hello: { description: "Says hello." } },
          }),
        );
      } else res.end("{}");
    });
    await new Promise<void>((listening) => odd.listen(0, "127.0.0.1", listening));
    try {
      const error = await createClient(CatalogService, transport())
        .createConnector(
          {
            name: "odd-auth",
            executionModel: "external",
            endpointUrl: `http://127.0.0.1:${(odd.address() as AddressInfo).port}`,
            protocol: "http",
          },
          { headers: headers() },
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.InvalidArgument);
      expect((error as ConnectError).rawMessage).toBe(
        "the external connector reports an auth_type that is not one of oauth, api_key, none",
      );
    } finally {
      await new Promise<void>((closed) => odd.close(() => closed()));
    }
  });
});

describe("egress policy without an allow-list", () => {
  let t: TestServer;
  let served: ServedConnector;
  const headers = () => ({ authorization: `Bearer ${t.adminKey}` });

  beforeAll(async () => {
    served = await serveConnector(greeterFixture);
    t = await startTestServer("postgresql", { PATCHBAY_EGRESS_ALLOW: "" });
  });
  afterAll(async () => {
    await t?.stop();
    await served?.close();
  });

  it("refuses to register an external connector on loopback, naming the setting", async () => {
    const error = await createClient(CatalogService, createGrpcTransport({ baseUrl: t.url }))
      .createConnector(
        { name: "greeter-local", executionModel: "external", endpointUrl: served.url, protocol: "connect" },
        { headers: headers() },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage).toBe(
      "endpoint_url: Outbound request to 127.0.0.1 refused (loopback); PATCHBAY_EGRESS_ALLOW can allow it",
    );
  });

  it("fails an http request to loopback with FAILED_PRECONDITION and EGRESS_REFUSED, sending nothing", async () => {
    const error = await createClient(ExecuteService, createGrpcTransport({ baseUrl: t.url }))
      .execute(
        {
          target: { case: "connectorSlug", value: "http" },
          command: "request",
          params: { url: `${served.url}/health`, method: "GET" },
        },
        { headers: headers() },
      )
      .catch((e: unknown) => e);
    const failure = failureOf(error);
    expect(failure.code).toBe(Code.FailedPrecondition);
    expect(failure.detail).toMatchObject({ errorCode: "EGRESS_REFUSED", failureClass: "command_failed" });
  });
});
