import { createHmac } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// A tenant signs its own Stripe deliveries (it chose the secret), so whatever its bodies carry — an
// event id with a NUL, or one too long for the dedupe index — must cost only its own delivery, never the
// other tenants' deliveries committed in the same batch.

const SECRET_A = "whsec_victimsecretvictimsecret";
const SECRET_B = "whsec_attackersecretattacker";

describe("one tenant's deliveries cannot fail another's", () => {
  let t: TestServer;
  let endpointA = "";
  let endpointB = "";

  async function send(endpoint: string, secret: string, id: string): Promise<number> {
    const body = JSON.stringify({ id, type: "invoice.paid", data: { object: {} } });
    const at = Math.floor(Date.now() / 1000);
    const signature = createHmac("sha256", secret).update(`${at}.${body}`).digest("hex");
    const res = await fetch(`${t.url}/api/v1/connectors/webhooks/stripe/${endpoint}`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": `t=${at},v1=${signature}` },
      body,
    });
    await res.arrayBuffer();
    return res.status;
  }

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    const keyA = await t.createKey(["webhooks:admin"], "alice", "tenant-a");
    const keyB = await t.createKey(["webhooks:admin"], "mallory", "tenant-b");
    const client = createClient(
      WebhookService,
      createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }),
    );
    const create = async (key: string, secret: string) =>
      (
        await client.createEndpoint(
          { provider: "stripe", connectorSlug: "stripe", secret },
          { headers: { authorization: `Bearer ${key}` } },
        )
      ).endpoint?.id ?? "";
    endpointA = await create(keyA, SECRET_A);
    endpointB = await create(keyB, SECRET_B);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("refuses unstorable event ids with 400 and stores every other tenant's delivery sent alongside", async () => {
    const hostile = [`evt_\u0000x`, `evt_${"x".repeat(12_000)}`, "evt_\u0007bell", "\ud800lone"];
    for (const id of hostile) expect(await send(endpointB, SECRET_B, id)).toBe(400);
    const statusesA: number[] = [];
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => send(endpointA, SECRET_A, `evt_a_${round}_${i}`)),
        ...hostile.map((id) => send(endpointB, SECRET_B, `${id}${round}`)),
      ]);
      statusesA.push(...results.slice(0, 10));
      expect(results.slice(10)).toEqual(hostile.map(() => 400));
    }
    expect(statusesA).toEqual(Array.from({ length: 100 }, () => 204));
    const client = new pg.Client({ connectionString: t.database?.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>(
        "select count(*) as n from webhook_events where endpoint_id = $1",
        [endpointA],
      );
      expect(Number(rows[0]?.n)).toBe(100);
    } finally {
      await client.end();
    }
    expect(t.logs.text()).not.toContain("invalid byte sequence");
  });
});
