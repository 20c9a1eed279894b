import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentFetch, createAgentHub } from "../../../src/agents/index.ts";
import {
  createExternalConnectorClient,
  type ExternalExecuteRequest,
  type ServedConnector,
  serveConnector,
} from "../../../src/connectors/external/index.ts";
import { greeterFixture } from "./greeter-fixture.ts";

// A relay fetch carries protocols http and connect (what an agent pool uses): the protocol clients keep
// their own limits and error mapping over it, and grpc cannot be relayed.

let served: ServedConnector;
beforeAll(async () => {
  served = await serveConnector(greeterFixture, { host: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  await served.close();
});

const hello: ExternalExecuteRequest = {
  command: "hello",
  config: { apiKey: "k-123" },
  params: { name: "Ada" },
  variables: {},
  metadata: { stepId: "s", runId: "run-relay", timeoutMs: 5_000 },
};

describe.each(["http", "connect"] as const)("protocol %s over a relay fetch", (protocol) => {
  it("runs a command with every request through the relay", async () => {
    const seen: string[] = [];
    const relay: typeof fetch = (input, init) => {
      seen.push(new Request(input, init).url);
      return fetch(input, init);
    };
    const client = createExternalConnectorClient({ endpointUrl: served.url, protocol, relay });
    expect(await client.execute(hello)).toMatchObject({ success: true, payload: { runId: "run-relay" } });
    expect(await client.health()).toBe(true);
    expect((await client.describe()).version).toBe("1.2.3");
    expect(seen).toHaveLength(3);
    expect(seen.every((url) => url.startsWith(served.url))).toBe(true);
  });

  it("keeps the client's response size limit", async () => {
    const client = createExternalConnectorClient({
      endpointUrl: served.url,
      protocol,
      relay: fetch,
      maxResponseBytes: 16,
    });
    expect(await client.execute(hello)).toMatchObject({ success: false, errorCode: "TOO_LARGE" });
  });

  it("answers an agent's failure with its code", async () => {
    const hub = createAgentHub({
      maxResponseBodyBytes: 1_000_000,
      streamLimits: { perKey: 1, perTenant: 1, total: 1 },
      now: () => new Date(),
    });
    const relay = createAgentFetch(hub, { tenantId: "t", pool: "nobody", connector: "greeter" }, 5_000);
    const client = createExternalConnectorClient({ endpointUrl: served.url, protocol, relay });
    expect(await client.execute(hello)).toMatchObject({ success: false, errorCode: "AGENT_UNAVAILABLE" });
  });
});

it("refuses to relay protocol grpc", () => {
  expect(() =>
    createExternalConnectorClient({ endpointUrl: served.url, protocol: "grpc", relay: fetch }),
  ).toThrow(/grpc/);
});
