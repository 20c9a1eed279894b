import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import { type LoopbackServer, startLoopbackServer } from "../outbound/loopback-server.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const BOT_TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ra";
const STRIPE_KEY = "sk_test_51AbCdEfGhIjKlMnOpQrStUv";
const STRIPE_SECRET = "whsec_5e1f0f1b7a2c4d6e8f0a1b2c3d4e5f60";

/** Fake Telegram Bot API and Stripe API on one loopback server: records calls, answers like them. */
async function startFakeProviders(): Promise<LoopbackServer> {
  return startLoopbackServer("127.0.0.1", (_req, res, seen) => {
    res.setHeader("content-type", "application/json");
    if (seen.url === `/bot${BOT_TOKEN}/getMe`) {
      res.end(JSON.stringify({ ok: true, result: { id: 1, is_bot: true, first_name: "Bot" } }));
    } else if (seen.url === `/bot${BOT_TOKEN}/setWebhook`) {
      res.end(JSON.stringify({ ok: true, result: true, description: "Webhook was set" }));
    } else if (seen.url === "/v1/balance") {
      res.end(JSON.stringify({ object: "balance", available: [] }));
    } else if (seen.url === "/v1/webhook_endpoints" && seen.method === "POST") {
      res.end(JSON.stringify({ id: "we_123", object: "webhook_endpoint", secret: STRIPE_SECRET }));
    } else {
      res.writeHead(404).end(JSON.stringify({ ok: false }));
    }
  });
}

describe("webhook setup commands over the wire", () => {
  let t: TestServer;
  let fake: LoopbackServer;
  const headers = () => ({ authorization: `Bearer ${t.adminKey}` });
  const rest = (path: string, body: unknown) =>
    fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { ...headers(), "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  async function connect(slug: string, credentials: Record<string, string>): Promise<string> {
    const started = await rest("/api/v1/connections", { connectorSlug: slug });
    const id = ((await started.json()) as { connection: { id: string } }).connection.id;
    const submitted = await rest(`/api/v1/connections/${id}/credentials`, { credentials });
    expect(submitted.status).toBe(200);
    return id;
  }
  const execute = (connectionId: string, command: string, params = {}) =>
    createClient(ExecuteService, createGrpcTransport({ baseUrl: t.url })).execute(
      { target: { case: "connectionId", value: connectionId }, command, params },
      { headers: headers() },
    );

  beforeAll(async () => {
    fake = await startFakeProviders();
    t = await startTestServer("postgresql", { PATCHBAY_PUBLIC_URL: "https://hooks.example.test" });
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  it("Telegram setupWebhook creates the endpoint, registers it with a generated secret_token, and deliveries verify", async () => {
    const connectionId = await connect("telegram", { botToken: BOT_TOKEN, baseUrl: fake.origin });
    const result = await execute(connectionId, "setupWebhook", { allowedUpdates: "message,callback_query" });
    const { endpointId, url } = result.payload as { endpointId: string; url: string };
    expect(url).toBe(`https://hooks.example.test/api/v1/connectors/webhooks/telegram/${endpointId}`);
    expect(JSON.stringify(result.payload)).not.toMatch(/secret/i);

    const call = fake.requests.find((r) => r.url.endsWith("/setWebhook"));
    const sent = JSON.parse(call?.body ?? "{}") as {
      url: string;
      secret_token: string;
      allowed_updates: string[];
    };
    expect(sent.url).toBe(url);
    expect(sent.allowed_updates).toEqual(["message", "callback_query"]);
    expect(sent.secret_token).toMatch(/^[A-Za-z0-9_-]{1,256}$/);

    const update = JSON.stringify({ update_id: 10001, callback_query: { id: "4382", data: "yes" } });
    const path = `/api/v1/connectors/webhooks/telegram/${endpointId}`;
    const accepted = await fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": sent.secret_token },
      body: update,
    });
    expect(accepted.status).toBe(204);
    const refused = await fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": "guess" },
      body: update,
    });
    expect(refused.status).toBe(401);
    const { events } = await createClient(WebhookService, createGrpcTransport({ baseUrl: t.url })).listEvents(
      { endpointId },
      { headers: headers() },
    );
    expect(events.map((e) => e.eventKey)).toEqual(["telegram.callback_query"]);
    const { endpoint } = await createClient(
      WebhookService,
      createGrpcTransport({ baseUrl: t.url }),
    ).getEndpoint({ endpointId }, { headers: headers() });
    expect(endpoint).toMatchObject({ provider: "telegram", connectorSlug: "telegram", connectionId });
    expect(t.logs.text()).not.toContain(sent.secret_token);
  });

  it("Stripe createWebhookEndpoint keeps the signing secret Stripe issues; Stripe-signed deliveries verify", async () => {
    const connectionId = await connect("stripe", { secretKey: STRIPE_KEY, baseUrl: fake.origin });
    const result = await execute(connectionId, "createWebhookEndpoint", { enabledEvents: "invoice.paid" });
    const { endpointId, stripeEndpointId } = result.payload as {
      endpointId: string;
      stripeEndpointId: string;
    };
    expect(stripeEndpointId).toBe("we_123");
    const call = fake.requests.find((r) => r.url === "/v1/webhook_endpoints");
    const form = new URLSearchParams(call?.body ?? "");
    expect(form.get("url")).toBe(
      `https://hooks.example.test/api/v1/connectors/webhooks/stripe/${endpointId}`,
    );
    expect(form.getAll("enabled_events[]")).toEqual(["invoice.paid"]);

    const payload = JSON.stringify({ id: "evt_1", type: "invoice.paid", data: { object: { id: "in_1" } } });
    const signature = new Stripe(STRIPE_KEY).webhooks.generateTestHeaderString({
      payload,
      secret: STRIPE_SECRET,
    });
    const accepted = await fetch(`${t.url}/api/v1/connectors/webhooks/stripe/${endpointId}`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": signature },
      body: payload,
    });
    expect(accepted.status).toBe(204);
  });
});

describe("webhook setup commands with a public URL providers cannot reach", () => {
  let t: TestServer;
  let fake: LoopbackServer;

  beforeAll(async () => {
    fake = await startFakeProviders();
    // No PATCHBAY_PUBLIC_URL: the default http://localhost:<port> is useless to a provider.
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  it("refuses before calling the provider, naming PATCHBAY_PUBLIC_URL", async () => {
    const headers = { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json" };
    const started = await fetch(`${t.url}/api/v1/connections`, {
      method: "POST",
      headers,
      body: JSON.stringify({ connectorSlug: "telegram" }),
    });
    const connectionId = ((await started.json()) as { connection: { id: string } }).connection.id;
    await fetch(`${t.url}/api/v1/connections/${connectionId}/credentials`, {
      method: "POST",
      headers,
      body: JSON.stringify({ credentials: { botToken: BOT_TOKEN, baseUrl: fake.origin } }),
    });
    const error = await createClient(ExecuteService, createGrpcTransport({ baseUrl: t.url }))
      .execute(
        { target: { case: "connectionId", value: connectionId }, command: "setupWebhook" },
        { headers: { authorization: `Bearer ${t.adminKey}` } },
      )
      .catch((e: unknown) => e);
    expect(String(error)).toContain(
      "the webhook URL must use https, but PATCHBAY_PUBLIC_URL is http://localhost",
    );
    expect(fake.requests.some((r) => r.url.endsWith("/setWebhook"))).toBe(false);
    const { endpoints } = await createClient(
      WebhookService,
      createGrpcTransport({ baseUrl: t.url }),
    ).listEndpoints({}, { headers: { authorization: `Bearer ${t.adminKey}` } });
    expect(endpoints).toEqual([]);
  });
});
