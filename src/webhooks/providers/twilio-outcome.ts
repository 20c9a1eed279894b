import { bodyDigestId } from "./body-digest-id.ts";
import { eventKey } from "./event-key.ts";
import type { VerifyOutcome, WebhookReply } from "./provider-verifier.ts";

/**
 * Empty TwiML: an incoming-message or voice webhook expects TwiML back, and this one means "no
 * reply" (a text/plain body would be sent to the texter); status callbacks ignore the body.
 */
export const EMPTY_TWIML: WebhookReply = {
  contentType: "text/xml",
  body: Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', "utf8"),
};

/**
 * What an authenticated Twilio request means. Key: `twilio.message.<status>` when it names a message
 * (`MessageSid`/`SmsSid`, status `MessageStatus` or `SmsStatus`, e.g. `twilio.message.delivered`,
 * `twilio.message.received`), `twilio.call.<CallStatus>` for a call, `twilio.<EventType>` for
 * products that send one, else `twilio.webhook`. Dedupe id: `<sid>:<status>` (status callbacks
 * repeat the SID with each status), the SID alone without a status, else the body digest. The
 * unsigned `I-Twilio-Idempotency-Token` header is not used: a replayer could change it freely.
 */
export function twilioOutcome(payload: Record<string, unknown>, body: Uint8Array): VerifyOutcome {
  const field = (name: string): string | undefined => {
    const value = payload[name];
    return typeof value === "string" && value.length > 0 ? value : undefined;
  };
  const messageSid = field("MessageSid") ?? field("SmsSid");
  const callSid = field("CallSid");
  const sid = messageSid ?? callSid;
  const status = messageSid
    ? (field("MessageStatus") ?? field("SmsStatus"))
    : callSid
      ? field("CallStatus")
      : undefined;
  const key = messageSid
    ? eventKey("twilio", "message", status)
    : callSid
      ? eventKey("twilio", "call", status)
      : eventKey("twilio", field("EventType") ?? "webhook");
  const id = sid === undefined ? bodyDigestId(body) : status === undefined ? sid : `${sid}:${status}`;
  return { kind: "event", providerEventId: id, eventKey: key, payload, reply: EMPTY_TWIML };
}
