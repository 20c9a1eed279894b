import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService } from "../../gen/patchbay/agent/v1/agent_pb.ts";
import { hostileAgent } from "../support/hostile-agent.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The attack: a hostile agent's Hello names connectors of 100,000 characters each. Whatever a Hello
// names is kept for the stream's life, written to agent_streams on attach and every refresh, and listed
// by ListAgents, so each name must be a connector slug, and a Hello with another is refused.

describe("a hostile agent's Hello connectors", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("are refused with INVALID_ARGUMENT naming the field when one is not a connector slug", async () => {
    const key = (
      await t.server.keys.create({
        tenantId: "tenant-h",
        subject: "h-agent",
        name: "agent",
        scopes: ["agent"],
        agentPool: "dc-h",
      })
    ).key;
    const huge = Array.from({ length: 35 }, (_, i) => `c${i}-${"x".repeat(100_000)}`);
    const hostile = hostileAgent(t.url, key, "dc-h", { connectors: ["http", ...huge] });
    const refused = await hostile.welcomed;
    expect(refused instanceof ConnectError ? [refused.code, refused.rawMessage] : refused).toEqual([
      Code.InvalidArgument,
      expect.stringContaining("hello.connectors"),
    ]);

    // An agent naming slugs (those `--connector` takes) is welcomed, and only it is kept and listed.
    const fair = hostileAgent(t.url, key, "dc-h", { agentId: "fair", connectors: ["http", "my_conn-2"] });
    expect((await fair.welcomed) instanceof ConnectError).toBe(false);
    const admin = await t.createKey(["admin"], "h-admin", "tenant-h");
    const listed = await createClient(
      AgentService,
      createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }),
    ).listAgents({}, { headers: { authorization: `Bearer ${admin}` } });
    expect(listed.agents.map((a) => [a.agentId, a.connectors])).toEqual([["fair", ["http", "my_conn-2"]]]);
    const db = new pg.Client({ connectionString: t.database?.url });
    await db.connect();
    const stored = await db
      .query<{ n: string }>(
        "select coalesce(max(octet_length(array_to_string(connectors, ''))), 0)::bigint as n from agent_streams",
      )
      .finally(() => db.end());
    expect(Number(stored.rows[0]?.n ?? 0)).toBeLessThan(1_000);
    fair.outbox.end();
    await fair.ended;
  });
});
