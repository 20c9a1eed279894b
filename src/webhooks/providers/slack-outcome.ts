import { bodyDigestId } from "./body-digest-id.ts";
import { eventKey } from "./event-key.ts";
import { formField, formToObject, isFormContentType, parseFormBody } from "./form-body.ts";
import { asObject, asString, parseJsonObject } from "./json-object.ts";
import type { VerifyOutcome } from "./provider-verifier.ts";
import { reject } from "./reject.ts";
import { textReply } from "./replies.ts";

/**
 * What an authenticated Slack body means.
 *
 * - Events API `event_callback` → `slack.<event.type>[.<event.subtype>]` (`slack.message`,
 *   `slack.message.bot_message`), dedupe id `event_id` (required; retries repeat it).
 * - Other envelopes (`app_rate_limited`) → `slack.<type>`, id `event_id` or the body digest.
 * - `url_verification` → handshake answering the challenge as text/plain.
 * - Form posts to the same URL: slash commands → `slack.slash_command`, interactivity
 *   (`payload=<json>`) → `slack.interaction.<payload.type>`; id `trigger_id`, else the body digest
 *   (Slack documents no delivery id for them and does not retry them).
 */
export function slackOutcome(body: Uint8Array, contentType: string): VerifyOutcome {
  return isFormContentType(contentType) ? formOutcome(body) : envelopeOutcome(body);
}

function envelopeOutcome(body: Uint8Array): VerifyOutcome {
  const envelope = parseJsonObject(body);
  const type = asString(envelope?.type);
  if (envelope === undefined || type === undefined) return reject("MALFORMED_BODY");
  if (type === "url_verification") {
    const challenge = asString(envelope.challenge);
    return challenge === undefined
      ? reject("MALFORMED_BODY")
      : { kind: "handshake", reply: textReply(challenge) };
  }
  const eventId = asString(envelope.event_id);
  if (type === "event_callback") {
    const event = asObject(envelope.event);
    const eventType = asString(event?.type);
    if (eventId === undefined || eventType === undefined) return reject("MALFORMED_BODY");
    const key = eventKey("slack", eventType, asString(event?.subtype));
    return { kind: "event", providerEventId: eventId, eventKey: key, payload: envelope };
  }
  return {
    kind: "event",
    providerEventId: eventId ?? bodyDigestId(body),
    eventKey: eventKey("slack", type),
    payload: envelope,
  };
}

function formOutcome(body: Uint8Array): VerifyOutcome {
  const fields = parseFormBody(body);
  if (fields === undefined) return reject("MALFORMED_BODY");
  const interaction = formField(fields, "payload");
  if (interaction !== undefined) {
    const payload = parseJsonObject(interaction);
    const type = asString(payload?.type);
    if (payload === undefined || type === undefined) return reject("MALFORMED_BODY");
    const id = asString(payload.trigger_id) ?? bodyDigestId(body);
    return { kind: "event", providerEventId: id, eventKey: eventKey("slack", "interaction", type), payload };
  }
  if (formField(fields, "command") !== undefined) {
    const id = formField(fields, "trigger_id") || bodyDigestId(body);
    return {
      kind: "event",
      providerEventId: id,
      eventKey: eventKey("slack", "slash_command"),
      payload: formToObject(fields),
    };
  }
  return reject("MALFORMED_BODY");
}
