import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// A tenant's share of a replica's MCP notification streams (GET /mcp), from the attacker's side: its admin
// key makes as many `mcp` keys as it likes, and without a share of its own their per-key streams would take
// every stream of the process, so that every other tenant's GET /mcp answered 429.

/** Streams a tenant may hold on one process (DEFAULT_STREAM_LIMITS.perTenant, docs/mcp.md). */
const TENANT_SHARE = 100;
const PER_KEY = 4;

describe("a tenant's share of MCP notification streams", () => {
  let t: TestServer;
  const open: Response[] = [];

  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    for (const res of open) await res.body?.cancel().catch(() => undefined);
    await t?.stop();
  });

  /** Opens `GET /mcp`; a stream that opens is kept open until the suite ends. */
  const stream = async (key: string) => {
    const res = await fetch(`${t.url}/mcp`, {
      headers: {
        authorization: `Bearer ${key}`,
        accept: "text/event-stream",
        "mcp-protocol-version": "2025-11-25",
      },
    });
    if (res.status === 200) {
      open.push(res);
      return { status: 200, res };
    }
    return { status: res.status, body: (await res.json()) as { code: string; message: string } };
  };
  /** A key made by the tenant's own admin key, over the API. */
  const mintKey = async (adminKey: string, name: string) => {
    const res = await fetch(`${t.url}/api/v1/api-keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ subject: name, name, scopes: ["mcp"] }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { key: string }).key;
  };

  it("refuses a tenant's streams past its share, whatever its keys, while another tenant opens one", async () => {
    const attackerAdmin = await t.createKey(["admin"], "mallory", "tenant-b");
    const keys: string[] = [];
    for (let i = 0; i < TENANT_SHARE / PER_KEY + 1; i++) keys.push(await mintKey(attackerAdmin, `bot-${i}`));
    const spare = keys.pop() as string;

    const held: Response[] = [];
    for (const key of keys) {
      const results = await Promise.all(Array.from({ length: PER_KEY }, () => stream(key)));
      for (const r of results) {
        expect(r.status).toBe(200);
        if (r.res !== undefined) held.push(r.res);
      }
    }
    expect(held.length).toBe(TENANT_SHARE);

    // A fresh key of the same tenant, well within its own per-key limit, is refused.
    const refused = await stream(spare);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      code: "resource_exhausted",
      message: "this tenant holds as many MCP streams as it may on this replica: close one first",
    });

    // Another tenant's first stream opens.
    const victim = await t.createKey(["mcp"], "alice", "tenant-a");
    const theirs = await stream(victim);
    expect(theirs.status).toBe(200);
    expect(theirs.res?.headers.get("content-type")).toContain("text/event-stream");

    // The share is of streams open now: one that ends gives its place back.
    await held[0]?.body?.cancel();
    await expect.poll(async () => (await stream(spare)).status, { timeout: 30_000, interval: 250 }).toBe(200);
  }, 120_000);
});
