import { createHmac } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import { whatsappVerifier } from "../../../src/webhooks/providers/whatsapp-verifier.ts";
import { delivery, expectEvent, expectJunkRejected } from "./webhook-test-kit.ts";

const SECRET = "app_secret_test";
const OLD_SECRET = "0123456789abcdef0123456789abcdef";
const HEADER = "X-Hub-Signature-256";

function notification(value: Record<string, unknown>, field = "messages", changes = 1): string {
  const change = {
    value: { messaging_product: "whatsapp", metadata: { phone_number_id: "PNID" }, ...value },
    field,
  };
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [{ id: "WABA_ID", changes: Array.from({ length: changes }, () => change) }],
  });
}

const MESSAGE = notification({
  contacts: [{ wa_id: "16505551234", profile: { name: "Kerry" } }],
  messages: [
    {
      from: "16505551234",
      id: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdDRjA=",
      timestamp: "1700000000",
      type: "text",
      text: { body: "hi" },
    },
  ],
});

const verify = async (body: string, headers: Record<string, string>, secrets = [SECRET]) =>
  whatsappVerifier.verify(delivery({ body, headers, contentType: "application/json" }), secrets, {});

const signed = async (body: string, secret = SECRET) => ({ [HEADER]: await sign(secret, body) });

describe("whatsappVerifier", () => {
  it("accepts the reference's signature vector (made by @octokit/webhooks-methods)", async () => {
    const body = '{"object":"whatsapp_business_account","entry":[]}';
    const signature = "sha256=523505d20f6a97026a425949264490ca97eab5d4ba6cd6a0f56f7557599d7f7b";
    expect(await sign(SECRET, body)).toBe(signature);
    // The signature passes; a notification with no changes is then malformed, not a mismatch.
    expect(await verify(body, { [HEADER]: signature })).toEqual({
      kind: "rejected",
      code: "MALFORMED_BODY",
      status: 400,
    });
  });

  it("accepts an inbound message keyed whatsapp.messages with its wamid", async () => {
    const event = expectEvent(await verify(MESSAGE, await signed(MESSAGE)));
    expect(event.eventKey).toBe("whatsapp.messages");
    expect(event.providerEventId).toBe("wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdDRjA=");
    expect(event.payload).toEqual(JSON.parse(MESSAGE));
  });

  it("keys a status update whatsapp.statuses with <wamid>:<status>", async () => {
    const body = notification({
      statuses: [{ id: "wamid.ABC", status: "delivered", timestamp: "1700000001" }],
    });
    const event = expectEvent(await verify(body, await signed(body)));
    expect(event.eventKey).toBe("whatsapp.statuses");
    expect(event.providerEventId).toBe("wamid.ABC:delivered");
  });

  it("dedupes a batched notification by its body digest", async () => {
    const body = notification({ messages: [{ id: "wamid.1" }, { id: "wamid.2" }] });
    expect(expectEvent(await verify(body, await signed(body))).providerEventId).toMatch(
      /^sha256:[0-9a-f]{64}$/,
    );
    const twice = notification({ messages: [{ id: "wamid.1" }] }, "messages", 2);
    expect(expectEvent(await verify(twice, await signed(twice))).providerEventId).toMatch(/^sha256:/);
  });

  it("keys other fields by the field name", async () => {
    const body = notification({ event: "VERIFIED_ACCOUNT" }, "account_update");
    const event = expectEvent(await verify(body, await signed(body)));
    expect(event.eventKey).toBe("whatsapp.account_update");
    expect(event.providerEventId).toMatch(/^sha256:/);
  });

  it("rejects a wrong app secret as a mismatch", async () => {
    expect(await verify(MESSAGE, await signed(MESSAGE, OLD_SECRET))).toEqual({
      kind: "rejected",
      code: "SIGNATURE_MISMATCH",
      status: 401,
    });
  });

  it("rejects a delivery without X-Hub-Signature-256, even with the legacy SHA-1 header", async () => {
    const sha1 = `sha1=${createHmac("sha1", SECRET).update(MESSAGE).digest("hex")}`;
    for (const headers of [{}, { "X-Hub-Signature": sha1 }]) {
      expect(await verify(MESSAGE, headers)).toEqual({
        kind: "rejected",
        code: "SIGNATURE_MISSING",
        status: 401,
      });
    }
  });

  it("rejects a tampered body", async () => {
    const headers = await signed(MESSAGE);
    expect(await verify(MESSAGE.replace('"hi"', '"hI"'), headers)).toMatchObject({
      code: "SIGNATURE_MISMATCH",
    });
  });

  it("accepts the previous app secret during a rotation grace period", async () => {
    const event = expectEvent(await verify(MESSAGE, await signed(MESSAGE, OLD_SECRET), [SECRET, OLD_SECRET]));
    expect(event.eventKey).toBe("whatsapp.messages");
  });

  it("accepts an upper-case hex signature but not one without the sha256= prefix", async () => {
    const signature = (await sign(SECRET, MESSAGE)).slice("sha256=".length);
    expect((await verify(MESSAGE, { [HEADER]: `sha256=${signature.toUpperCase()}` })).kind).toBe("event");
    expect(await verify(MESSAGE, { [HEADER]: signature })).toMatchObject({ code: "SIGNATURE_MISMATCH" });
  });

  it("rejects signed bodies that are not notifications as malformed", async () => {
    for (const body of ["x", "[]", '{"entry":{}}', '{"entry":[{"changes":[{"value":{}}]}]}']) {
      expect(await verify(body, await signed(body))).toMatchObject({ code: "MALFORMED_BODY", status: 400 });
    }
  });

  it("rejects junk input without throwing", async () => {
    await expectJunkRejected(whatsappVerifier, [HEADER], [SECRET]);
  });

  it("refuses an empty app secret", () => {
    expect(whatsappVerifier.checkSecret(SECRET)).toBeUndefined();
    expect(whatsappVerifier.checkSecret("")).toMatch(/empty/);
  });
});
