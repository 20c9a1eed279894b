import twilio from "twilio";
import { describe, expect, it } from "vitest";
import { twilioVerifier } from "../../../src/webhooks/providers/twilio-verifier.ts";
import { delivery, expectEvent, expectJunkRejected, text } from "./webhook-test-kit.ts";

const TOKEN = "12345";
const OLD_TOKEN = "abcdef0123456789abcdef0123456789";
const FORM_TYPE = "application/x-www-form-urlencoded";
const HEADER = "X-Twilio-Signature";
const URL = "https://patchbay.example/webhooks/ep_twilio?source=sms";

type Params = Record<string, string | string[]>;

function formBody(params: Params): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) search.append(name, v);
  }
  return search.toString();
}

const STATUS: Params = {
  AccountSid: "AC00000000000000000000000000000000",
  MessageSid: "SM11111111111111111111111111111111",
  SmsSid: "SM11111111111111111111111111111111",
  MessageStatus: "delivered",
  SmsStatus: "delivered",
  From: "+15005550006",
  To: "+15005550001",
  ApiVersion: "2010-04-01",
};

async function verifyForm(params: Params, signature: string | undefined, url = URL, secrets = [TOKEN]) {
  const headers: Record<string, string> = signature === undefined ? {} : { [HEADER]: signature };
  return twilioVerifier.verify(
    delivery({ body: formBody(params), headers, contentType: FORM_TYPE, url }),
    secrets,
    {},
  );
}

describe("twilioVerifier (form posts)", () => {
  it("verifies the reference's test vector, which twilio-node also produces", async () => {
    const url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const params = {
      CallSid: "CA1234567890ABCDE",
      Caller: "+12349013030",
      Digits: "1234",
      From: "+12349013030",
      To: "+18005551212",
    };
    expect(twilio.getExpectedTwilioSignature(TOKEN, url, params)).toBe("0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    const event = expectEvent(await verifyForm(params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", url));
    expect(event.eventKey).toBe("twilio.call");
    expect(event.providerEventId).toBe("CA1234567890ABCDE");
    expect(event.payload).toEqual(params);
  });

  it("accepts a message status callback keyed twilio.message.<status>, deduped on <sid>:<status>", async () => {
    const signature = twilio.getExpectedTwilioSignature(TOKEN, URL, STATUS);
    expect(twilio.validateRequest(TOKEN, signature, URL, STATUS)).toBe(true);
    const event = expectEvent(await verifyForm(STATUS, signature));
    expect(event.eventKey).toBe("twilio.message.delivered");
    expect(event.providerEventId).toBe("SM11111111111111111111111111111111:delivered");
    expect(event.payload).toEqual(STATUS);
    expect(event.reply?.contentType).toBe("text/xml");
    expect(text(event.reply?.body ?? new Uint8Array())).toMatch(/<Response><\/Response>$/);
  });

  it("keys an inbound message by SmsStatus and a call by CallStatus", async () => {
    const inbound = {
      MessageSid: "SM2",
      SmsStatus: "received",
      Body: "Hello + ünïcode & more",
      NumMedia: "0",
    };
    const message = expectEvent(
      await verifyForm(inbound, twilio.getExpectedTwilioSignature(TOKEN, URL, inbound)),
    );
    expect(message.eventKey).toBe("twilio.message.received");
    expect(message.payload).toEqual(inbound);
    const call = { CallSid: "CA9", CallStatus: "in-progress" };
    const voice = expectEvent(await verifyForm(call, twilio.getExpectedTwilioSignature(TOKEN, URL, call)));
    expect(voice.eventKey).toBe("twilio.call.in_progress");
    expect(voice.providerEventId).toBe("CA9:in-progress");
  });

  it("signs a repeated parameter's distinct values sorted, as twilio-node does", async () => {
    const params = {
      MessageSid: "SM3",
      MessageStatus: "sent",
      MediaUrl: ["https://b.example/2", "https://a.example/1"],
    };
    const event = expectEvent(
      await verifyForm(params, twilio.getExpectedTwilioSignature(TOKEN, URL, params)),
    );
    expect(event.payload.MediaUrl).toEqual(["https://b.example/2", "https://a.example/1"]);
  });

  it("accepts a signature over the URL with its default port, as twilio-node does", async () => {
    const signed = "https://patchbay.example:443/webhooks/ep_twilio?source=sms";
    const signature = twilio.getExpectedTwilioSignature(TOKEN, signed, STATUS);
    expect(twilio.validateRequest(TOKEN, signature, URL, STATUS)).toBe(true);
    expect((await verifyForm(STATUS, signature)).kind).toBe("event");
    const back = twilio.getExpectedTwilioSignature(TOKEN, URL, STATUS);
    expect((await verifyForm(STATUS, back, signed)).kind).toBe("event");
  });

  it("rejects a wrong auth token, as twilio-node does", async () => {
    const signature = twilio.getExpectedTwilioSignature(OLD_TOKEN, URL, STATUS);
    expect(twilio.validateRequest(TOKEN, signature, URL, STATUS)).toBe(false);
    expect(await verifyForm(STATUS, signature)).toEqual({
      kind: "rejected",
      code: "SIGNATURE_MISMATCH",
      status: 401,
    });
  });

  it("rejects a delivery without X-Twilio-Signature as signature missing", async () => {
    expect(await verifyForm(STATUS, undefined)).toEqual({
      kind: "rejected",
      code: "SIGNATURE_MISSING",
      status: 401,
    });
  });

  it("rejects a tampered body, an added parameter and another URL", async () => {
    const signature = twilio.getExpectedTwilioSignature(TOKEN, URL, STATUS);
    expect(await verifyForm({ ...STATUS, MessageStatus: "failed" }, signature)).toMatchObject({
      code: "SIGNATURE_MISMATCH",
    });
    expect(await verifyForm({ ...STATUS, Extra: "1" }, signature)).toMatchObject({
      code: "SIGNATURE_MISMATCH",
    });
    expect(await verifyForm(STATUS, signature, `${URL}&x=1`)).toMatchObject({ code: "SIGNATURE_MISMATCH" });
  });

  it("accepts the previous auth token during a rotation grace period", async () => {
    const signature = twilio.getExpectedTwilioSignature(OLD_TOKEN, URL, STATUS);
    expect((await verifyForm(STATUS, signature, URL, [TOKEN, OLD_TOKEN])).kind).toBe("event");
  });

  it("refuses a body that no signature covers (not a form, no bodySHA256)", async () => {
    const body = '{"MessageSid":"SM1"}';
    const signature = twilio.getExpectedTwilioSignature(TOKEN, URL, {});
    const outcome = await twilioVerifier.verify(
      delivery({ body, headers: { [HEADER]: signature }, contentType: "application/json", url: URL }),
      [TOKEN],
      {},
    );
    expect(outcome).toMatchObject({ code: "SIGNATURE_MISMATCH" });
  });

  it("dedupes a signed request without a SID by its body digest", async () => {
    const params = { EventType: "onMessageAdded", ConversationSid: "CH1" };
    const event = expectEvent(
      await verifyForm(params, twilio.getExpectedTwilioSignature(TOKEN, URL, params)),
    );
    expect(event.eventKey).toBe("twilio.onmessageadded");
    expect(event.providerEventId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("rejects junk input without throwing", async () => {
    await expectJunkRejected(twilioVerifier, [HEADER], [TOKEN]);
  });

  it("refuses an empty auth token", () => {
    expect(twilioVerifier.checkSecret(OLD_TOKEN)).toBeUndefined();
    expect(twilioVerifier.checkSecret("")).toMatch(/empty/);
  });
});

describe("twilioVerifier (JSON posts with bodySHA256)", () => {
  const body = '{"property": "value", "boolean": true}';
  const hash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
  const url = `https://patchbay.example/webhooks/ep_twilio?bodySHA256=${hash}`;

  const verifyJson = (payload: string, signature: string, at = url, secrets = [TOKEN]) =>
    twilioVerifier.verify(
      delivery({ body: payload, headers: { [HEADER]: signature }, contentType: "application/json", url: at }),
      secrets,
      {},
    );

  it("verifies the URL signature and the body hash, as twilio-node does", async () => {
    expect(twilio.getExpectedBodyHash(body)).toBe(hash);
    const signature = twilio.getExpectedTwilioSignature(TOKEN, url, {});
    expect(twilio.validateRequestWithBody(TOKEN, signature, url, body)).toBe(true);
    const event = expectEvent(await verifyJson(body, signature));
    expect(event.payload).toEqual({ property: "value", boolean: true });
    expect(event.eventKey).toBe("twilio.webhook");
    expect(event.providerEventId).toMatch(/^sha256:/);
  });

  it("rejects a body that does not match bodySHA256, as twilio-node does", async () => {
    const signature = twilio.getExpectedTwilioSignature(TOKEN, url, {});
    const tampered = body.replace("true", "false");
    expect(twilio.validateRequestWithBody(TOKEN, signature, url, tampered)).toBe(false);
    expect(await verifyJson(tampered, signature)).toEqual({
      kind: "rejected",
      code: "SIGNATURE_MISMATCH",
      status: 401,
    });
  });

  it("rejects a wrong token and accepts the previous one while it is listed", async () => {
    const old = twilio.getExpectedTwilioSignature(OLD_TOKEN, url, {});
    expect(await verifyJson(body, old)).toMatchObject({ code: "SIGNATURE_MISMATCH" });
    expect((await verifyJson(body, old, url, [TOKEN, OLD_TOKEN])).kind).toBe("event");
  });

  it("rejects a signed, hash-matching body that is not a JSON object as malformed", async () => {
    const list = "[1,2]";
    const at = `https://patchbay.example/webhooks/ep_twilio?bodySHA256=${twilio.getExpectedBodyHash(list)}`;
    const outcome = await verifyJson(list, twilio.getExpectedTwilioSignature(TOKEN, at, {}), at);
    expect(outcome).toEqual({ kind: "rejected", code: "MALFORMED_BODY", status: 400 });
  });
});
