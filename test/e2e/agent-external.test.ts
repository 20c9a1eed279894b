import { type ChildProcess, spawn } from "node:child_process";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ExecuteService, ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { type ServedConnector, serveConnector } from "../../src/connectors/external/index.ts";
import { root } from "../cli/run-patchbay.ts";
import { greeterFixture } from "../connectors/external/greeter-fixture.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// External connectors on an internal address (127.0.0.2, which the server's own egress policy refuses)
// registered with an agent pool: registration and every Execute reach them only through the real
// `patchbay agent` process allowed to 127.0.0.2, over protocols http and connect; grpc is refused.

const API_KEY = "ext-agent-key-0123456789";

/** The ConnectError a call rejected with. */
const refusal = async (call: Promise<unknown>) => {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
};

describe("external connectors through an on-premise agent", () => {
  let t: TestServer;
  let served: ServedConnector;
  let agent: ChildProcess | undefined;
  let agentLog = "";
  const headers = () => ({ authorization: `Bearer ${t.adminKey}` });
  const catalog = () => createClient(CatalogService, createGrpcTransport({ baseUrl: t.url }));
  const execute = () => createClient(ExecuteService, createGrpcTransport({ baseUrl: t.url }));
  const rest = async (path: string, body: unknown) => {
    const res = await fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { ...headers(), "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(res.status).toBeLessThan(300);
    return (await res.json()) as Record<string, { id: string }>;
  };
  const register = (name: string, protocol: string, agentPool = "dc-ext") =>
    catalog().createConnector(
      { name, executionModel: "external", endpointUrl: served.url, protocol, agentPool },
      { headers: headers() },
    );
  const connect = async (slug: string) => {
    const id = (await rest("/api/v1/connections", { connectorSlug: slug })).connection?.id ?? "";
    await rest(`/api/v1/connections/${id}/credentials`, { credentials: { apiKey: API_KEY } });
    return id;
  };
  const hello = (connectionId: string, runId: string) =>
    execute().execute(
      {
        target: { case: "connectionId", value: connectionId },
        command: "hello",
        params: { name: "Ada" },
        metadata: { runId, stepId: "s1" },
      },
      { headers: headers() },
    );
  const agentConnected = (yes: boolean) =>
    expect
      .poll(() => t.server.agents.list("default").some((a) => a.pool === "dc-ext"), { timeout: 30_000 })
      .toBe(yes);

  beforeAll(async () => {
    served = await serveConnector(greeterFixture, { host: "127.0.0.2" });
    // The server's policy allows 127.0.0.1 only (the test server's default): 127.0.0.2 is internal.
    t = await startTestServer("postgresql");
    const { key } = await t.server.keys.create({
      tenantId: "default",
      subject: "dc-ext agents",
      name: "agent",
      scopes: ["agent"],
      agentPool: "dc-ext",
    });
    agent = spawn(
      process.execPath,
      ["bin/patchbay.js", "agent", "--url", t.url, "--pool", "dc-ext", "--allow", "127.0.0.2/32"],
      { cwd: root, env: { PATH: process.env.PATH ?? "", PATCHBAY_AGENT_KEY: key }, stdio: "pipe" },
    );
    agent.stdout?.on("data", (chunk: Buffer) => {
      agentLog += chunk.toString();
    });
    agent.stderr?.on("data", (chunk: Buffer) => {
      agentLog += chunk.toString();
    });
  }, 120_000);
  afterAll(async () => {
    agent?.kill("SIGKILL");
    await t?.stop();
    await served?.close();
  });

  it("refuses the internal endpoint directly: the server's egress policy applies without a pool", async () => {
    const error = await refusal(register("greeter-direct", "http", ""));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toContain("endpoint_url");
  });

  it.each(["http", "connect"])(
    "registers and executes over protocol %s through the agent",
    async (protocol) => {
      const slug = `greeter-${protocol}`;
      await agentConnected(true);
      // Registration's health check and Describe went through the agent: the schema is the connector's.
      const { connector } = await register(slug, protocol);
      expect(connector).toMatchObject({ version: "1.2.3", authType: "api_key", agentPool: "dc-ext" });
      const connectionId = await connect(slug);
      const res = await hello(connectionId, `run-${protocol}`);
      // Only the connector on 127.0.0.2 answers this (its runId echoed back).
      expect(res.payload).toEqual({ greeting: "Hello, Ada!", runId: `run-${protocol}` });
      expect(res.variables).toEqual({ greeted: "Ada", keyLength: API_KEY.length });
      // The agent logged the requests it made for this connector.
      await expect.poll(() => agentLog, { timeout: 30_000 }).toContain(slug);
    },
    60_000,
  );

  it("refuses protocol grpc with an agent pool, on create and on update, naming agent_pool", async () => {
    const created = await refusal(register("greeter-grpc", "grpc"));
    expect(created.code).toBe(Code.InvalidArgument);
    expect(created.rawMessage).toContain("agent_pool");
    expect(created.rawMessage).toContain("grpc");

    const switched = await refusal(
      catalog().updateConnector({ slug: "greeter-http", protocol: "grpc" }, { headers: headers() }),
    );
    expect(switched.code).toBe(Code.InvalidArgument);
    expect(switched.rawMessage).toContain("agent_pool");

    // A gRPC connector reached directly (on 127.0.0.1, which the server's policy allows) cannot take a pool.
    const direct = await serveConnector(greeterFixture);
    try {
      await catalog().createConnector(
        {
          name: "greeter-grpc-direct",
          executionModel: "external",
          endpointUrl: direct.url,
          protocol: "grpc",
        },
        { headers: headers() },
      );
      const pooled = await refusal(
        catalog().updateConnector(
          { slug: "greeter-grpc-direct", agentPool: "dc-ext" },
          { headers: headers() },
        ),
      );
      expect(pooled.code).toBe(Code.InvalidArgument);
      expect(pooled.rawMessage).toContain("agent_pool");
    } finally {
      await direct.close();
    }
  });

  it("fails with AGENT_UNAVAILABLE when no agent of the pool is connected", async () => {
    const connectionIds = [await connect("greeter-http"), await connect("greeter-connect")];
    agent?.kill("SIGTERM");
    await agentConnected(false);
    expect(agentLog).toContain("agent connected");

    for (const connectionId of connectionIds) {
      const error = await refusal(hello(connectionId, "run-gone"));
      expect(error.code).toBe(Code.Unavailable);
      const [detail] = error.findDetails(ExecutionFailureSchema);
      expect(detail).toMatchObject({ errorCode: "AGENT_UNAVAILABLE", failureClass: "upstream_unavailable" });
    }

    // Registering needs an agent too: the endpoint is checked the way its calls go.
    const registering = await refusal(register("greeter-later", "http"));
    expect(registering.code).toBe(Code.FailedPrecondition);
    expect(registering.rawMessage).toContain("dc-ext");
  }, 60_000);
});
