import { bodyDigestId } from "./body-digest-id.ts";
import { eventKey } from "./event-key.ts";
import { asObject, asString, parseJsonObject } from "./json-object.ts";
import type { VerifyOutcome, WebhookReply } from "./provider-verifier.ts";
import { reject } from "./reject.ts";
import { EMPTY_REPLY, jsonReply } from "./replies.ts";

/** Interaction types (receiving-and-responding) by number, as event-key segments. */
const INTERACTION_TYPES: Readonly<Record<number, string>> = {
  2: "application_command",
  3: "message_component",
  4: "application_command_autocomplete",
  5: "modal_submit",
};

/**
 * The initial response per interaction type. Events are handled later, not inside Discord's 3 s
 * deadline, so each reply only acknowledges: a command or modal submit gets 5
 * (DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, valid for both; the handler edits the reply within 15 min),
 * a component 6 (DEFERRED_UPDATE_MESSAGE, no loading state), autocomplete cannot be deferred and gets
 * 8 with no choices.
 */
const INTERACTION_REPLIES: Readonly<Record<number, WebhookReply>> = {
  2: jsonReply({ type: 5 }),
  3: jsonReply({ type: 6 }),
  4: jsonReply({ type: 8, data: { choices: [] } }),
  5: jsonReply({ type: 5 }),
};

/**
 * What an authenticated Discord body means.
 *
 * - Webhook-events PING (`type` 0) → handshake, empty reply (Discord wants 204, no body).
 * - Webhook event (`type` 1 with an `event` object) → `discord.event.<event.type>`
 *   (`discord.event.entitlement_create`), empty reply; Discord documents no delivery id, so the
 *   dedupe id is the body digest (`sha256:<hex>`).
 * - Interaction PING (`type` 1, no `event`) → handshake `{"type":1}` (PONG) as application/json.
 * - Other interactions → `discord.interaction.<type name>` (`discord.interaction.application_command`,
 *   unknown numbers as `type_<n>`), dedupe id the interaction `id`, reply per {@link INTERACTION_REPLIES}.
 */
export function discordOutcome(body: Uint8Array): VerifyOutcome {
  const payload = parseJsonObject(body);
  const type = payload?.type;
  if (payload === undefined || typeof type !== "number" || !Number.isSafeInteger(type)) {
    return reject("MALFORMED_BODY");
  }
  if (type === 0) return { kind: "handshake", reply: EMPTY_REPLY };
  if (type === 1 && payload.event !== undefined) {
    const eventType = asString(asObject(payload.event)?.type);
    if (eventType === undefined) return reject("MALFORMED_BODY");
    const key = eventKey("discord", "event", eventType);
    return { kind: "event", providerEventId: bodyDigestId(body), eventKey: key, payload, reply: EMPTY_REPLY };
  }
  if (type === 1) return { kind: "handshake", reply: jsonReply({ type: 1 }) };
  const id = asString(payload.id);
  if (id === undefined) return reject("MALFORMED_BODY");
  const key = eventKey("discord", "interaction", INTERACTION_TYPES[type] ?? `type_${type}`);
  const reply = INTERACTION_REPLIES[type];
  return reply === undefined
    ? { kind: "event", providerEventId: id, eventKey: key, payload }
    : { kind: "event", providerEventId: id, eventKey: key, payload, reply };
}
