import { createHmac, randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { LinearWebhookClient } from "@linear/sdk/webhooks";
import { verify as octokitVerify, sign } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

const GITHUB_SECRET = "replay-test-github-secret";
const LINEAR_SECRET = "lin_wh_replay_test_secret";

/** A delivery as captured on the wire: its exact body and headers. */
interface Captured {
  readonly body: string;
  readonly headers: Record<string, string>;
}

// Issue 16, 5.2: GitHub and Linear sign the body, not the delivery id, so a captured delivery sent again
// under a fresh id verifies. The providers' own libraries are the oracles that the replay is valid.
describe.each(BACKENDS)("captured deliveries replayed under a fresh id on %s", (backend) => {
  let t: TestServer;
  const headers = () => ({ authorization: `Bearer ${t.adminKey}` });
  const client = () => createClient(WebhookService, createGrpcTransport({ baseUrl: t.url }));
  const create = async (provider: string, secret: string) => {
    const { endpoint } = await client().createEndpoint(
      { provider, connectorSlug: provider, secret },
      { headers: headers() },
    );
    const id = endpoint?.id ?? "";
    return { id, path: `/api/v1/connectors/webhooks/${provider}/${id}` };
  };
  const post = async (path: string, delivery: Captured) => {
    const response = await fetch(`${t.url}${path}`, {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
    });
    await response.arrayBuffer();
    return response.status;
  };
  const events = async (endpointId: string) =>
    (await client().listEvents({ endpointId }, { headers: headers() })).events.map((e) => e.providerEventId);
  const counts = async (endpointId: string) =>
    (await client().getEndpoint({ endpointId }, { headers: headers() })).endpoint?.counts;

  async function githubDelivery(number: number, secret = GITHUB_SECRET): Promise<Captured> {
    const body = JSON.stringify({
      action: "opened",
      issue: { number, title: "Crash" },
      repository: { id: 1 },
    });
    return {
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": await sign(secret, body),
      },
    };
  }

  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("stores a GitHub delivery once, however its unsigned delivery id, event name or signature case is changed", async () => {
    const { id, path } = await create("github", GITHUB_SECRET);
    const captured = await githubDelivery(1);
    expect(await post(path, captured)).toBe(204);

    const signature = captured.headers["x-hub-signature-256"] ?? "";
    const replays: Captured[] = [
      { ...captured, headers: { ...captured.headers, "x-github-delivery": randomUUID() } },
      { ...captured, headers: { ...captured.headers, "x-github-delivery": "x", "x-github-event": "push" } },
    ];
    for (const replay of replays) {
      // GitHub's own library accepts each replay: nothing it checks was changed.
      expect(await octokitVerify(GITHUB_SECRET, replay.body, signature)).toBe(true);
      // Answered as a duplicate: the same 2xx, so nothing tells the replayer apart from a provider retry.
      expect(await post(path, replay)).toBe(204);
    }
    // Hex in upper case verifies here (not with octokit): the replay key is the computed signature, not its spelling.
    const shouted = `sha256=${signature.slice(7).toUpperCase()}`;
    expect(
      await post(path, {
        ...captured,
        headers: { ...captured.headers, "x-github-delivery": randomUUID(), "x-hub-signature-256": shouted },
      }),
    ).toBe(204);
    // Copies racing each other under fresh ids are one event too.
    const racing = await Promise.all(
      Array.from({ length: 20 }, () =>
        post(path, { ...captured, headers: { ...captured.headers, "x-github-delivery": randomUUID() } }),
      ),
    );
    expect(racing).toEqual(Array(20).fill(204));
    expect(await events(id)).toEqual([captured.headers["x-github-delivery"]]);

    // A new event (another body) is stored; its own replay is not.
    const next = await githubDelivery(2);
    expect(await post(path, next)).toBe(204);
    expect(
      await post(path, { ...next, headers: { ...next.headers, "x-github-delivery": randomUUID() } }),
    ).toBe(204);
    expect(await events(id)).toHaveLength(2);
    await expect.poll(async () => (await counts(id))?.duplicate).toBe(24);
    expect((await counts(id))?.accepted).toBe(2);
  });

  it("keeps refusing to store a replay signed with a secret since rotated out, during the grace period", async () => {
    const { id, path } = await create("github", GITHUB_SECRET);
    const captured = await githubDelivery(3);
    expect(await post(path, captured)).toBe(204);
    await client().rotateEndpointSecret(
      { endpointId: id, secret: "replay-test-new-secret", gracePeriodSeconds: 600 },
      { headers: headers() },
    );
    const replay = { ...captured, headers: { ...captured.headers, "x-github-delivery": randomUUID() } };
    expect(await post(path, replay)).toBe(204);
    expect(await events(id)).toEqual([captured.headers["x-github-delivery"]]);
  });

  it("stores a Linear delivery once when it is replayed within its ±60 s under a fresh Linear-Delivery", async () => {
    const { id, path } = await create("linear", LINEAR_SECRET);
    const body = JSON.stringify({
      action: "create",
      type: "Issue",
      data: { id: randomUUID(), title: "Bug" },
      organizationId: "org_1",
      webhookId: "wh_1",
      webhookTimestamp: Date.now(),
    });
    // @linear/sdk has no signer: the HMAC is computed here, and the SDK's verifier is the oracle.
    const signature = createHmac("sha256", LINEAR_SECRET).update(body).digest("hex");
    const captured: Captured = {
      body,
      headers: {
        "content-type": "application/json",
        "linear-delivery": randomUUID(),
        "linear-event": "Issue",
        "linear-signature": signature,
      },
    };
    expect(await post(path, captured)).toBe(204);
    const replay = { ...captured, headers: { ...captured.headers, "linear-delivery": randomUUID() } };
    expect(new LinearWebhookClient(LINEAR_SECRET).verify(Buffer.from(replay.body), signature)).toBe(true);
    expect(await post(path, replay)).toBe(204);
    expect(
      await post(path, {
        ...replay,
        headers: {
          ...replay.headers,
          "linear-delivery": randomUUID(),
          "linear-signature": signature.toUpperCase(),
        },
      }),
    ).toBe(204);
    expect(await events(id)).toEqual([captured.headers["linear-delivery"]]);
  });
});
