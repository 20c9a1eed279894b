import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { ExternalExecuteRequest } from "../../src/connectors/external/index.ts";
import { createExternalClients, type ExternalClients } from "../../src/execute/external-clients.ts";
import { createOutboundClient, type OutboundClient } from "../../src/outbound/index.ts";
import {
  type SessionCountingConnector,
  serveSessionCountingConnector,
} from "../connectors/external/session-counting-connector.ts";

const WAIT = { timeout: 15_000, interval: 20 };

function call(command: string): ExternalExecuteRequest {
  return {
    command,
    config: {},
    params: {},
    variables: {},
    metadata: { stepId: "step-1", runId: "run-1", timeoutMs: 60_000 },
  };
}

describe("the server's external connector clients", () => {
  let outbound: OutboundClient;
  let first: SessionCountingConnector;
  let second: SessionCountingConnector;
  let clients: ExternalClients | undefined;

  beforeAll(async () => {
    outbound = createOutboundClient({ allow: ["127.0.0.1/32"] });
    first = await serveSessionCountingConnector();
    second = await serveSessionCountingConnector();
  });
  afterEach(async () => {
    clients?.close();
    first.release();
    second.release();
    await vi.waitFor(() => expect(first.openSessions() + second.openSessions()).toBe(0), WAIT);
  });
  afterAll(async () => {
    await first.close();
    await second.close();
    await outbound.close();
  });

  it("reuses one session per endpoint", async () => {
    clients = createExternalClients(outbound.guard);
    const opened = first.sessionsOpened();
    for (let i = 0; i < 3; i++) {
      expect(await clients.get(first.url, "grpc").execute(call("hello"))).toMatchObject({ success: true });
    }
    expect(first.sessionsOpened()).toBe(opened + 1);
    expect(first.openSessions()).toBe(1);
  });

  it("closes the session of the least recently used client when another endpoint needs its place", async () => {
    clients = createExternalClients(outbound.guard, { max: 1 });
    expect(await clients.get(first.url, "grpc").execute(call("hello"))).toMatchObject({ success: true });
    expect(first.openSessions()).toBe(1);
    expect(await clients.get(second.url, "grpc").execute(call("hello"))).toMatchObject({ success: true });
    await vi.waitFor(() => expect(first.openSessions()).toBe(0), WAIT);
    expect(second.openSessions()).toBe(1);
  });

  it("lets a call in flight on an evicted client finish, then closes its session", async () => {
    clients = createExternalClients(outbound.guard, { max: 1 });
    const held = clients.get(first.url, "grpc").execute(call("hold"));
    await vi.waitFor(() => expect(first.holding()).toBe(1), WAIT);
    expect(await clients.get(second.url, "grpc").execute(call("hello"))).toMatchObject({ success: true });
    // Evicted, but its call still runs: the session stays until the call has answered.
    expect(first.openSessions()).toBe(1);
    first.release();
    expect(await held).toEqual({ success: true, payload: { held: true } });
    await vi.waitFor(() => expect(first.openSessions()).toBe(0), WAIT);
  });

  it("closes every session when closed, cutting a call still in flight with a clean failure", async () => {
    clients = createExternalClients(outbound.guard);
    expect(await clients.get(second.url, "grpc").execute(call("hello"))).toMatchObject({ success: true });
    const held = clients.get(first.url, "grpc").execute(call("hold"));
    await vi.waitFor(() => expect(first.holding()).toBe(1), WAIT);
    clients.close();
    expect(await held).toEqual({ success: false, error: "connector client closed", errorCode: "CANCELED" });
    await vi.waitFor(() => expect(first.openSessions() + second.openSessions()).toBe(0), WAIT);
    // A call that comes after fails at once instead of opening a session that nothing would close.
    const opened = first.sessionsOpened();
    expect(await clients.get(first.url, "grpc").execute(call("hello"))).toMatchObject({
      success: false,
      errorCode: "CANCELED",
    });
    expect(first.sessionsOpened()).toBe(opened);
  });

  it("closes an evicted client whose call was still running when everything closes", async () => {
    clients = createExternalClients(outbound.guard, { max: 1 });
    const held = clients.get(first.url, "grpc").execute(call("hold"));
    await vi.waitFor(() => expect(first.holding()).toBe(1), WAIT);
    expect(await clients.get(second.url, "grpc").execute(call("hello"))).toMatchObject({ success: true });
    clients.close();
    expect(await held).toMatchObject({ success: false, errorCode: "CANCELED" });
    await vi.waitFor(() => expect(first.openSessions() + second.openSessions()).toBe(0), WAIT);
  });
});
