import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { stripeVerifier } from "../../../src/webhooks/providers/stripe-verifier.ts";
import { delivery, expectEvent, expectJunkRejected, NOW, NOW_S } from "./webhook-test-kit.ts";

const SECRET = "whsec_test_secret";
const OLD_SECRET = "whsec_previous_secret";
const INVOICE = JSON.stringify({
  id: "evt_1Q2w3E4r5T6y7U8i",
  object: "event",
  type: "invoice.paid",
  created: NOW_S - 1,
  data: { object: { id: "in_1", object: "invoice", amount_paid: 1200 } },
});

const header = (payload: string, timestamp = NOW_S, secret = SECRET, scheme?: string) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp, ...(scheme ? { scheme } : {}) });

const verify = (body: string, signature: string | undefined, secrets = [SECRET]) =>
  stripeVerifier.verify(
    delivery({
      body,
      headers: signature === undefined ? {} : { "Stripe-Signature": signature },
      contentType: "application/json",
    }),
    secrets,
    {},
  );

/** What stripe-node says about a header at NOW. */
function stripeSays(body: string, signature: string, secret = SECRET): string {
  const oracle = Stripe.webhooks.signature;
  if (oracle === null) throw new Error("stripe-node lost webhooks.signature");
  try {
    oracle.verifyHeader(body, signature, secret, 300, undefined, NOW.getTime());
    return "ok";
  } catch (error) {
    return (error as Error).message;
  }
}

describe("stripeVerifier", () => {
  it("verifies the reference's header vector", async () => {
    const body = '{"id":"evt_test_webhook","object":"event"}';
    const vector = "t=1700000000,v1=d95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990";
    expect(header(body, 1700000000)).toBe(vector);
    const outcome = await stripeVerifier.verify(
      delivery({ body, headers: { "Stripe-Signature": vector }, now: new Date(1700000000 * 1000) }),
      [SECRET],
      {},
    );
    // The signature passes; the vector's event has no type, so it is malformed rather than a mismatch.
    expect(outcome).toEqual({ kind: "rejected", code: "MALFORMED_BODY", status: 400 });
  });

  it("accepts an event signed by stripe-node, keyed stripe.invoice.paid by its evt_ id", async () => {
    const signature = header(INVOICE);
    expect(stripeSays(INVOICE, signature)).toBe("ok");
    const event = expectEvent(await verify(INVOICE, signature));
    expect(event.eventKey).toBe("stripe.invoice.paid");
    expect(event.providerEventId).toBe("evt_1Q2w3E4r5T6y7U8i");
    expect(event.payload).toEqual(JSON.parse(INVOICE));
  });

  it("keys a nested type with one segment per dot", async () => {
    const body = JSON.stringify({ id: "evt_2", type: "customer.subscription.created" });
    expect(expectEvent(await verify(body, header(body))).eventKey).toBe(
      "stripe.customer.subscription.created",
    );
  });

  it("accepts any of several v1 signatures, as stripe-node does", async () => {
    const good = header(INVOICE);
    const bogus = `v1=${"0".repeat(64)}`;
    const both = `${good.split(",")[0]},${bogus},${good.split(",")[1]},v0=${"1".repeat(64)}`;
    expect(stripeSays(INVOICE, both)).toBe("ok");
    expect((await verify(INVOICE, both)).kind).toBe("event");
  });

  it("ignores v0 signatures, even a correct one", async () => {
    const v0only = header(INVOICE, NOW_S, SECRET, "v0");
    expect(v0only).toMatch(/,v0=/);
    expect(await verify(INVOICE, v0only)).toEqual({
      kind: "rejected",
      code: "SIGNATURE_MISMATCH",
      status: 401,
    });
  });

  it("rejects a wrong secret, as stripe-node does", async () => {
    const signature = header(INVOICE, NOW_S, OLD_SECRET);
    expect(stripeSays(INVOICE, signature)).toMatch(/No signatures found matching/);
    expect(await verify(INVOICE, signature)).toEqual({
      kind: "rejected",
      code: "SIGNATURE_MISMATCH",
      status: 401,
    });
  });

  it("rejects a delivery without Stripe-Signature as signature missing", async () => {
    expect(await verify(INVOICE, undefined)).toEqual({
      kind: "rejected",
      code: "SIGNATURE_MISSING",
      status: 401,
    });
  });

  it("rejects a tampered body and a tampered timestamp, as stripe-node does", async () => {
    const signature = header(INVOICE);
    const tampered = INVOICE.replace("1200", "1");
    expect(stripeSays(tampered, signature)).toMatch(/No signatures found/);
    expect(await verify(tampered, signature)).toMatchObject({ code: "SIGNATURE_MISMATCH" });
    const moved = signature.replace(`t=${NOW_S}`, `t=${NOW_S - 1}`);
    expect(await verify(INVOICE, moved)).toMatchObject({ code: "SIGNATURE_MISMATCH" });
  });

  it("rejects an event signed 301 s ago as stale and accepts one signed 300 s ago, as stripe-node does", async () => {
    const stale = header(INVOICE, NOW_S - 301);
    expect(stripeSays(INVOICE, stale)).toMatch(/tolerance/);
    expect(await verify(INVOICE, stale)).toEqual({ kind: "rejected", code: "TIMESTAMP_STALE", status: 401 });
    const edge = header(INVOICE, NOW_S - 300);
    expect(stripeSays(INVOICE, edge)).toBe("ok");
    expect((await verify(INVOICE, edge)).kind).toBe("event");
  });

  it("also rejects a timestamp more than 300 s ahead (stripe-node would let it through)", async () => {
    const ahead = header(INVOICE, NOW_S + 301);
    expect(stripeSays(INVOICE, ahead)).toBe("ok");
    expect(await verify(INVOICE, ahead)).toMatchObject({ code: "TIMESTAMP_STALE" });
  });

  it("accepts the previous secret during a rotation grace period", async () => {
    expect((await verify(INVOICE, header(INVOICE, NOW_S, OLD_SECRET), [SECRET, OLD_SECRET])).kind).toBe(
      "event",
    );
  });

  it("rejects a header without t or v1 as a mismatch", async () => {
    const [t, v1] = header(INVOICE).split(",");
    for (const broken of [v1 ?? "", t ?? "", "garbage", `t=abc,${v1}`, `t,${v1}`]) {
      expect(await verify(INVOICE, broken)).toMatchObject({ code: "SIGNATURE_MISMATCH" });
    }
  });

  it("rejects signed bodies without id or type as malformed", async () => {
    for (const body of ["nope", '{"type":"invoice.paid"}', '{"id":"evt_1"}', "[]"]) {
      expect(await verify(body, header(body))).toEqual({
        kind: "rejected",
        code: "MALFORMED_BODY",
        status: 400,
      });
    }
  });

  it("rejects junk input without throwing", async () => {
    await expectJunkRejected(stripeVerifier, ["Stripe-Signature"], [SECRET]);
  });

  it("needs a whsec_ secret", () => {
    expect(stripeVerifier.checkSecret(SECRET)).toBeUndefined();
    expect(stripeVerifier.checkSecret("sk_live_123")).toMatch(/whsec_/);
    expect(stripeVerifier.checkSecret("whsec_")).toMatch(/whsec_/);
    expect(stripeVerifier.checkSecret("")).toMatch(/empty/);
  });
});
