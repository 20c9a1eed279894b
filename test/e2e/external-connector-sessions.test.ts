import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import {
  type SessionCountingConnector,
  serveSessionCountingConnector,
} from "../connectors/external/session-counting-connector.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const WAIT = { timeout: 20_000, interval: 50 };

describe("connections to an external gRPC connector over the wire", () => {
  let t: TestServer;
  let connector: SessionCountingConnector;
  const headers = () => ({ authorization: `Bearer ${t.adminKey}` });
  const transport = () => createGrpcTransport({ baseUrl: t.url });

  beforeAll(async () => {
    connector = await serveSessionCountingConnector();
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
    await connector?.close();
  });

  it("are closed after the registration check, reused by commands, and all closed when the server stops", async () => {
    await createClient(CatalogService, transport()).createConnector(
      { name: "session-counter", executionModel: "external", endpointUrl: connector.url, protocol: "grpc" },
      { headers: headers() },
    );
    // The health check and Describe of the registration used a client of their own, closed after.
    expect(connector.sessionsOpened()).toBeGreaterThan(0);
    await vi.waitFor(() => expect(connector.openSessions()).toBe(0), WAIT);

    const opened = connector.sessionsOpened();
    for (let i = 0; i < 2; i++) {
      const res = await createClient(ExecuteService, transport()).execute(
        { target: { case: "connectorSlug", value: "session-counter" }, command: "hello" },
        { headers: headers() },
      );
      expect(res.payload).toEqual({ hello: true });
    }
    expect(connector.sessionsOpened()).toBe(opened + 1);
    expect(connector.openSessions()).toBe(1);

    await t.stop();
    await vi.waitFor(() => expect(connector.openSessions()).toBe(0), WAIT);
  });
});
