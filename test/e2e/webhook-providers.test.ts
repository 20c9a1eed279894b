import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import { type LoopbackServer, startLoopbackServer } from "../outbound/loopback-server.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const PUBLIC = "https://hooks.example.test";
const SERVICE_ACCOUNT = "push-sa@project.iam.gserviceaccount.com";

// Provider by provider over the wire: the URL providers sign (Twilio, Gmail's audience) is rebuilt from
// PATCHBAY_PUBLIC_URL, Gmail's keys come from a JWKS on loopback through the outbound client, Discord's
// webhook events get a bare 204, Meta's GET handshake echoes the challenge, and oversized bodies are 413.
describe("provider specifics over the wire", () => {
  let t: TestServer;
  let jwks: LoopbackServer;
  let google: Awaited<ReturnType<typeof generateKeyPair>>;
  const headers = () => ({ authorization: `Bearer ${t.adminKey}` });
  const client = () => createClient(WebhookService, createGrpcTransport({ baseUrl: t.url }));
  const create = async (provider: string, secret: string, extra: Record<string, string> = {}) => {
    const { endpoint } = await client().createEndpoint(
      { provider, connectorSlug: provider, secret, ...extra },
      { headers: headers() },
    );
    return { id: endpoint?.id ?? "", path: `/api/v1/connectors/webhooks/${provider}/${endpoint?.id}` };
  };

  beforeAll(async () => {
    google = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(google.publicKey)), kid: "google-1", alg: "RS256", use: "sig" };
    jwks = await startLoopbackServer("127.0.0.1", (_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    t = await startTestServer("postgresql", {
      PATCHBAY_PUBLIC_URL: PUBLIC,
      PATCHBAY_GOOGLE_JWKS_URL: `${jwks.origin}/oauth2/v3/certs`,
      PATCHBAY_MAX_BODY_BYTES: "65536",
    });
  });
  afterAll(async () => {
    await t?.stop();
    await jwks?.close();
  });

  it("verifies Twilio against the public URL with its query string, using twilio's own signer", async () => {
    const authToken = "12345678901234567890123456789012";
    const { path } = await create("twilio", authToken);
    const params = { MessageSid: "SM123", MessageStatus: "delivered", To: "+15005550006" };
    const query = "?source=status";
    const signature = twilio.getExpectedTwilioSignature(authToken, `${PUBLIC}${path}${query}`, params);
    const response = await fetch(`${t.url}${path}${query}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
      body: new URLSearchParams(params).toString(),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    const wrongUrl = twilio.getExpectedTwilioSignature(authToken, `http://localhost${path}${query}`, params);
    const refused = await fetch(`${t.url}${path}${query}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": wrongUrl },
      body: new URLSearchParams(params).toString(),
    });
    expect(refused.status).toBe(401);
  });

  it("verifies a Gmail push token against Google's keys fetched from the configured JWKS", async () => {
    const { id, path } = await create("gmail", SERVICE_ACCOUNT);
    const token = (claims: Record<string, unknown>) =>
      new SignJWT({ email: SERVICE_ACCOUNT, email_verified: true, ...claims })
        .setProtectedHeader({ alg: "RS256", kid: "google-1", typ: "JWT" })
        .setIssuer("https://accounts.google.com")
        .setAudience(`${PUBLIC}${path}`)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(google.privateKey);
    const body = JSON.stringify({
      message: {
        data: Buffer.from(JSON.stringify({ emailAddress: "user@example.com", historyId: "42" })).toString(
          "base64",
        ),
        messageId: "2070443601311540",
        publishTime: new Date().toISOString(),
      },
      subscription: "projects/p/subscriptions/s",
    });
    const push = async (jwt: string) =>
      fetch(`${t.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${jwt}` },
        body,
      });
    expect((await push(await token({}))).status).toBe(204);
    expect((await push(await token({ email: "someone-else@project.iam.gserviceaccount.com" }))).status).toBe(
      401,
    );
    expect(jwks.requests.length).toBeGreaterThan(0);
    const { events } = await client().listEvents({ endpointId: id }, { headers: headers() });
    expect(events.map((e) => [e.eventKey, e.providerEventId])).toEqual([
      ["gmail.mailbox_changed", "2070443601311540"],
    ]);
    expect(t.logs.text()).not.toContain("user@example.com");
  });

  it("answers Discord's PING with PONG and a webhook event with a bare 204", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("hex");
    const { path } = await create("discord", raw);
    const post = (body: string) => {
      const timestamp = String(Math.floor(Date.now() / 1000));
      return fetch(`${t.url}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-signature-timestamp": timestamp,
          "x-signature-ed25519": sign(null, Buffer.from(timestamp + body), privateKey).toString("hex"),
        },
        body,
      });
    };
    const ping = await post(JSON.stringify({ id: "1", type: 1, application_id: "a" }));
    expect(ping.status).toBe(200);
    expect(await ping.json()).toEqual({ type: 1 });
    const event = await post(
      JSON.stringify({
        version: 1,
        application_id: "a",
        type: 1,
        event: { type: "APPLICATION_AUTHORIZED", timestamp: "2026-11-23T10:00:00Z", data: {} },
      }),
    );
    expect(event.status).toBe(204);
    expect(await event.text()).toBe("");
  });

  it("echoes Meta's hub.challenge for the right verify token only, then the endpoint is active", async () => {
    const { id, path } = await create("whatsapp", "meta-app-secret", { verifyToken: "my-verify-token" });
    expect((await client().getEndpoint({ endpointId: id }, { headers: headers() })).endpoint?.status).toBe(
      "pending",
    );
    const wrong = await fetch(
      `${t.url}${path}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=nope`,
    );
    expect(wrong.status).toBe(403);
    const right = await fetch(
      `${t.url}${path}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=my-verify-token`,
    );
    expect(right.status).toBe(200);
    expect(await right.text()).toBe("1158201444");
    expect((await client().getEndpoint({ endpointId: id }, { headers: headers() })).endpoint?.status).toBe(
      "active",
    );
  });

  it("verifies Linear's signature and ±60 s timestamp, and filters events by a key prefix", async () => {
    const { id, path } = await create("linear", "lin_wh_signing_secret");
    const post = (delivery: string, type: string, action: string, at: number) => {
      const body = JSON.stringify({ action, type, data: { id: delivery }, webhookTimestamp: at });
      return fetch(`${t.url}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "linear-delivery": delivery,
          "linear-signature": createHmac("sha256", "lin_wh_signing_secret").update(body).digest("hex"),
        },
        body,
      });
    };
    expect((await post("d-1", "Issue", "create", Date.now())).status).toBe(204);
    expect((await post("d-2", "Comment", "create", Date.now())).status).toBe(204);
    expect((await post("d-3", "Issue", "update", Date.now() - 120_000)).status).toBe(401);
    const issues = await client().listEvents(
      { endpointId: id, eventKey: "linear.issue" },
      { headers: headers() },
    );
    expect(issues.events.map((e) => [e.eventKey, e.providerEventId])).toEqual([
      ["linear.issue.create", "d-1"],
    ]);
  });

  it("refuses a body over PATCHBAY_MAX_BODY_BYTES with 413 and stores nothing", async () => {
    const { id, path } = await create("github", "big-body-secret");
    const response = await fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "issues", "x-github-delivery": "big" },
      body: JSON.stringify({ padding: "x".repeat(70_000) }),
    });
    expect(response.status).toBe(413);
    const { events } = await client().listEvents({ endpointId: id }, { headers: headers() });
    expect(events).toEqual([]);
  });
});
