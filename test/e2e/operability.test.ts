import { fileURLToPath } from "node:url";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/health/v1/health_pb.ts";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { grpc } from "../support/grpc-js-client.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const reflectionProto = fileURLToPath(
  new URL(
    "../../node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto",
    import.meta.url,
  ),
);

function listServicesByReflection(port: number): Promise<string[]> {
  const def = protoLoader.loadSync(reflectionProto, { keepCase: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    grpc: {
      reflection: { v1: { ServerReflection: new (a: string, c: grpc.ChannelCredentials) => grpc.Client } };
    };
  };
  const client = new pkg.grpc.reflection.v1.ServerReflection(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  );
  return new Promise((resolve, reject) => {
    const call = (
      client as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<object, object> }
    ).ServerReflectionInfo();
    call.on("data", (res: { list_services_response?: { service: { name: string }[] } }) => {
      resolve((res.list_services_response?.service ?? []).map((s) => s.name));
      call.end();
      client.close();
    });
    call.on("error", reject);
    call.write({ list_services: "" });
  });
}

describe("operability on PostgreSQL", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.database?.admin(`alter database ${t.database.name} allow_connections true`);
    await t?.stop();
  });

  it("answers reflection for every service it serves without proto files, and lists no other (item 6)", async () => {
    const services = await listServicesByReflection(t.port);
    expect([...services].sort()).toEqual(
      [
        "patchbay.v1.ApiKeyService",
        "patchbay.agent.v1.AgentService",
        "patchbay.v1.CatalogService",
        "patchbay.v1.ConnectionService",
        "patchbay.v1.ExecuteService",
        "patchbay.v1.WebhookService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
      ].sort(),
    );
    // The external connector contract is implemented by connectors, not by this server.
    expect(services).not.toContain("patchbay.connector.v1.ConnectorService");
  });

  it("reports not serving while the database is away, and serving again when it is back", async () => {
    const health = createClient(Health, createGrpcTransport({ baseUrl: t.url }));
    const catalog = createClient(
      CatalogService,
      createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }),
    );
    const headers = { authorization: `Bearer ${t.adminKey}` };
    expect((await health.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    const db = t.database;
    if (db === undefined) throw new Error("needs PostgreSQL");

    await db.admin(`alter database ${db.name} allow_connections false`);
    await db.admin(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${db.name}'`);
    await expect
      .poll(async () => (await health.check({ service: "patchbay.v1.CatalogService" })).status, {
        timeout: 10_000,
      })
      .toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);

    // An unexpected failure (the driver's connection error) reaches the client as a generic INTERNAL.
    const error = await catalog
      .listConnectors({}, { headers: { ...headers, "x-request-id": "outage-1" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Internal);
    expect((error as ConnectError).rawMessage).toBe("internal error (request outage-1)");
    const failure = t.logs.lines().find((l) => l.reqId === "outage-1");
    expect(failure).toMatchObject({
      level: "error",
      code: "internal",
      procedure: "/patchbay.v1.CatalogService/ListConnectors",
    });
    expect(failure?.err).toBeDefined();

    await db.admin(`alter database ${db.name} allow_connections true`);
    await expect
      .poll(async () => (await health.check({ service: "" })).status, { timeout: 10_000 })
      .toBe(HealthCheckResponse_ServingStatus.SERVING);
    const back = await catalog.listConnectors({}, { headers });
    expect(back.connectors.length).toBeGreaterThanOrEqual(2);
  });

  it("does not put a stack trace on the wire for an internal error", async () => {
    const db = t.database;
    if (db === undefined) throw new Error("needs PostgreSQL");
    await db.admin(`alter database ${db.name} allow_connections false`);
    await db.admin(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${db.name}'`);
    try {
      const res = await fetch(`${t.url}/patchbay.v1.CatalogService/ListConnectors`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${t.adminKey}` },
        body: "{}",
      });
      const text = await res.text();
      expect(res.status).toBe(500);
      expect(JSON.parse(text)).toMatchObject({ code: "internal" });
      expect(text).not.toMatch(/at .*\.(ts|js):\d+/);
      expect(text).not.toContain(db.name);
    } finally {
      await db.admin(`alter database ${db.name} allow_connections true`);
    }
  });
});
