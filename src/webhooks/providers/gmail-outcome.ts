import { eventKey } from "./event-key.ts";
import { asObject, asString, parseJsonObject } from "./json-object.ts";
import type { VerifyOutcome } from "./provider-verifier.ts";
import { reject } from "./reject.ts";

/**
 * What an authenticated Pub/Sub push of a Gmail notification means. Every one means "mailbox
 * changed": key `gmail.mailbox_changed`; dedupe id `message.messageId` (the same on redelivery).
 * `message.data` is base64 JSON `{emailAddress, historyId}`; the payload is that decoded data with
 * the envelope's `messageId`, `publishTime`, `attributes` and `subscription`.
 */
export function gmailOutcome(body: Uint8Array): VerifyOutcome {
  const envelope = parseJsonObject(body);
  const message = asObject(envelope?.message);
  const messageId = asString(message?.messageId) ?? asString(message?.message_id);
  const data = asString(message?.data);
  if (envelope === undefined || message === undefined || messageId === undefined || data === undefined) {
    return reject("MALFORMED_BODY");
  }
  // Buffer's base64 decoder takes both the standard and the URL-safe alphabet.
  const notification = parseJsonObject(Buffer.from(data, "base64"));
  const emailAddress = asString(notification?.emailAddress);
  const historyId = notification?.historyId;
  if (emailAddress === undefined || (typeof historyId !== "string" && typeof historyId !== "number")) {
    return reject("MALFORMED_BODY");
  }
  return {
    kind: "event",
    providerEventId: messageId,
    eventKey: eventKey("gmail", "mailbox_changed"),
    payload: {
      emailAddress,
      historyId: String(historyId),
      messageId,
      publishTime: asString(message.publishTime) ?? asString(message.publish_time),
      attributes: asObject(message.attributes) ?? {},
      subscription: asString(envelope.subscription),
    },
  };
}
