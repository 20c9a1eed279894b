import { createHmac } from "node:crypto";
import { LinearWebhookClient } from "@linear/sdk/webhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { linearVerifier } from "../../../src/webhooks/providers/linear-verifier.ts";
import { delivery, expectEvent, expectJunkRejected, NOW } from "./webhook-test-kit.ts";

const SECRET = "lin_wh_current_secret";
const OLD_SECRET = "lin_wh_previous_secret";
const DELIVERY = "234d1a4e-b617-4388-90fe-adc3633d6b72";

/** An Issue create payload; `null` leaves webhookTimestamp out. */
function issue(webhookTimestamp: number | null = NOW.getTime()): string {
  return JSON.stringify({
    action: "create",
    type: "Issue",
    data: { id: "2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9", title: "Bug" },
    url: "https://linear.app/issue/LIN-1",
    createdAt: "2026-11-23T11:59:59.000Z",
    organizationId: "org_1",
    webhookId: "wh_1",
    ...(webhookTimestamp === null ? {} : { webhookTimestamp }),
  });
}

const hex = (body: string, secret = SECRET) => createHmac("sha256", secret).update(body).digest("hex");

const verify = (body: string, headers: Record<string, string>, secrets = [SECRET]) =>
  linearVerifier.verify(delivery({ body, headers, contentType: "application/json" }), secrets, {});

const signed = (body: string, secret = SECRET) => ({
  "Linear-Signature": hex(body, secret),
  "Linear-Delivery": DELIVERY,
  "Linear-Event": "Issue",
});

/** What `@linear/sdk`'s verifier says at NOW (it reads Date.now()). */
function sdkSays(body: string, signature: string): string {
  try {
    return new LinearWebhookClient(SECRET).verify(Buffer.from(body), signature) ? "ok" : "false";
  } catch (error) {
    return (error as Error).message;
  }
}

describe("linearVerifier", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("accepts a signed issue event keyed linear.issue.create with Linear-Delivery, as the SDK does", async () => {
    const body = issue();
    expect(sdkSays(body, hex(body))).toBe("ok");
    const event = expectEvent(await verify(body, signed(body)));
    expect(event.eventKey).toBe("linear.issue.create");
    expect(event.providerEventId).toBe(DELIVERY);
    expect(event.payload).toEqual(JSON.parse(body));
  });

  it("rejects a wrong secret, as the SDK does", async () => {
    const body = issue();
    expect(sdkSays(body, hex(body, OLD_SECRET))).toBe("Invalid webhook signature");
    expect(await verify(body, signed(body, OLD_SECRET))).toEqual({
      kind: "rejected",
      code: "SIGNATURE_MISMATCH",
      status: 401,
    });
  });

  it("rejects a delivery without Linear-Signature as signature missing", async () => {
    const body = issue();
    expect(await verify(body, { "Linear-Delivery": DELIVERY })).toEqual({
      kind: "rejected",
      code: "SIGNATURE_MISSING",
      status: 401,
    });
  });

  it("rejects a tampered body, as the SDK does", async () => {
    const body = issue();
    const tampered = body.replace("Bug", "Bog");
    expect(sdkSays(tampered, hex(body))).toBe("Invalid webhook signature");
    expect(await verify(tampered, signed(body))).toMatchObject({ code: "SIGNATURE_MISMATCH" });
  });

  it("rejects a webhookTimestamp 61 s old or 61 s ahead as stale and accepts 59 s, as the SDK does", async () => {
    for (const offset of [-61_000, 61_000]) {
      const body = issue(NOW.getTime() + offset);
      expect(sdkSays(body, hex(body))).toBe("Invalid webhook timestamp");
      expect(await verify(body, signed(body))).toEqual({
        kind: "rejected",
        code: "TIMESTAMP_STALE",
        status: 401,
      });
    }
    for (const offset of [-59_000, 59_000]) {
      const body = issue(NOW.getTime() + offset);
      expect(sdkSays(body, hex(body))).toBe("ok");
      expect((await verify(body, signed(body))).kind).toBe("event");
    }
  });

  it("ignores the unsigned Linear-Timestamp header", async () => {
    const body = issue();
    const headers = { ...signed(body), "Linear-Timestamp": String(NOW.getTime() - 3_600_000) };
    expect((await verify(body, headers)).kind).toBe("event");
  });

  it("rejects a signed body without webhookTimestamp as malformed, where the SDK reports it missing", async () => {
    const body = issue(null);
    expect(sdkSays(body, hex(body))).toBe("Missing webhook timestamp");
    expect(await verify(body, signed(body))).toEqual({
      kind: "rejected",
      code: "MALFORMED_BODY",
      status: 400,
    });
  });

  it("accepts the previous secret during a rotation grace period", async () => {
    const body = issue();
    expect((await verify(body, signed(body, OLD_SECRET), [SECRET, OLD_SECRET])).kind).toBe("event");
  });

  it("dedupes by the body digest when Linear-Delivery is absent", async () => {
    const body = issue();
    const event = expectEvent(await verify(body, { "Linear-Signature": hex(body) }));
    expect(event.providerEventId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("keys camel-case types and actions lowercase", async () => {
    const body = JSON.stringify({ type: "IssueSLA", action: "highRisk", webhookTimestamp: NOW.getTime() });
    expect(expectEvent(await verify(body, signed(body))).eventKey).toBe("linear.issuesla.highrisk");
  });

  it("rejects signed bodies without a type or that are not JSON as malformed", async () => {
    for (const body of ["nope", JSON.stringify({ action: "create", webhookTimestamp: NOW.getTime() })]) {
      expect(await verify(body, signed(body))).toMatchObject({ code: "MALFORMED_BODY" });
    }
  });

  it("gives the same replay key to a captured delivery resent under a fresh Linear-Delivery", async () => {
    const body = issue();
    const original = expectEvent(await verify(body, signed(body)));
    const replayed = { ...signed(body), "Linear-Delivery": "00000000-0000-4000-8000-000000000000" };
    // The replay is a delivery Linear's own SDK accepts: Linear-Delivery is not signed.
    expect(sdkSays(body, replayed["Linear-Signature"])).toBe("ok");
    const again = expectEvent(await verify(body, replayed));
    const shouted = expectEvent(
      await verify(body, { ...replayed, "Linear-Signature": replayed["Linear-Signature"].toUpperCase() }),
    );
    expect(again.providerEventId).not.toBe(original.providerEventId);
    expect(original.replayKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(again.replayKey).toBe(original.replayKey);
    expect(shouted.replayKey).toBe(original.replayKey);
  });

  it("gives a delivery sent again with a fresh webhookTimestamp another replay key", async () => {
    const first = issue(NOW.getTime() - 1_000);
    const resent = issue(NOW.getTime());
    const keys = [
      expectEvent(await verify(first, signed(first))).replayKey,
      expectEvent(await verify(resent, signed(resent))).replayKey,
    ];
    expect(keys[0]).not.toBe(keys[1]);
  });

  it("rejects junk input without throwing", async () => {
    await expectJunkRejected(linearVerifier, ["Linear-Signature", "Linear-Delivery"], [SECRET]);
  });

  it("refuses an empty secret", () => {
    expect(linearVerifier.checkSecret(SECRET)).toBeUndefined();
    expect(linearVerifier.checkSecret("")).toMatch(/empty/);
  });
});
