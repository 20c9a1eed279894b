import { getEventListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createExternalConnectorClient,
  type ExternalExecuteRequest,
  type ExternalProtocol,
  type ServedConnector,
  serveConnector,
} from "../../../src/connectors/external/index.ts";
import {
  createHoldingConnector,
  type SessionCountingConnector,
  serveSessionCountingConnector,
} from "./session-counting-connector.ts";

const WAIT = { timeout: 15_000, interval: 20 };

/** Longer than any test may take. */
const LONG_MS = 10 * 60_000;

function call(command: string, timeoutMs = 60_000): ExternalExecuteRequest {
  return {
    command,
    config: {},
    params: {},
    variables: {},
    metadata: { stepId: "step-1", runId: "run-1", timeoutMs },
  };
}

describe("closing an external connector client over HTTP/2", () => {
  let connector: SessionCountingConnector;
  beforeAll(async () => {
    connector = await serveSessionCountingConnector();
  });
  afterAll(() => connector.close());

  it("closes its session, and a closed client fails at once without connecting again", async () => {
    const opened = connector.sessionsOpened();
    const client = createExternalConnectorClient({ endpointUrl: connector.url, protocol: "grpc" });
    expect(await client.execute(call("hello"))).toMatchObject({ success: true, payload: { hello: true } });
    expect(connector.sessionsOpened()).toBe(opened + 1);
    client.close();
    await vi.waitFor(() => expect(connector.openSessions()).toBe(0), WAIT);
    expect(await client.execute(call("hello"))).toEqual({
      success: false,
      error: "connector client closed",
      errorCode: "CANCELED",
    });
    expect(await client.health()).toBe(false);
    await expect(client.describe()).rejects.toThrow(/connector client closed/);
    expect(connector.sessionsOpened()).toBe(opened + 1);
  });
});

describe.each<ExternalProtocol>(["grpc", "connect", "http"])(
  "a call in flight on a client closed over %s",
  (protocol) => {
    const holder = createHoldingConnector();
    let served: ServedConnector;
    beforeAll(async () => {
      served = await serveConnector(holder.definition);
    });
    afterAll(async () => {
      holder.release();
      await served.close();
    });

    it("forgets a call once it has answered: nothing of it stays on the caller's signal", async () => {
      const client = createExternalConnectorClient({ endpointUrl: served.url, protocol });
      const caller = new AbortController();
      expect(await client.execute(call("hello"), caller.signal)).toMatchObject({ success: true });
      expect(await client.health(caller.signal)).toBe(true);
      expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
      client.close();
    });

    it("ends as a CANCELED failure instead of waiting for the connector", async () => {
      // A time budget longer than the test's own: only the close can end the call in time.
      const client = createExternalConnectorClient({ endpointUrl: served.url, protocol, timeoutMs: LONG_MS });
      const held = client.execute(call("hold", LONG_MS));
      await vi.waitFor(() => expect(holder.holding()).toBe(1), WAIT);
      client.close();
      expect(await held).toEqual({ success: false, error: "connector client closed", errorCode: "CANCELED" });
    });
  },
);
