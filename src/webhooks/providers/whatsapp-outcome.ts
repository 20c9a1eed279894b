import { bodyDigestId } from "./body-digest-id.ts";
import { eventKey } from "./event-key.ts";
import { asObject, asString, type JsonObject, parseJsonObject } from "./json-object.ts";
import type { VerifyOutcome } from "./provider-verifier.ts";
import { reject } from "./reject.ts";

/**
 * What an authenticated WhatsApp notification means. One POST may batch several entries and
 * changes, so the key names the kind of the first change only, not per-message detail:
 * `whatsapp.messages` when it carries `value.messages`, `whatsapp.statuses` when it carries
 * `value.statuses`, otherwise `whatsapp.<field>` (`whatsapp.account_update`).
 *
 * Dedupe id: when the whole POST holds exactly one message, its `wamid`; exactly one status,
 * `<wamid>:<status>` (a message's statuses share its id); anything else, the body digest.
 */
export function whatsappOutcome(body: Uint8Array): VerifyOutcome {
  const notification = parseJsonObject(body);
  const entries = notification?.entry;
  if (notification === undefined || !Array.isArray(entries)) return reject("MALFORMED_BODY");
  const changes = entries.flatMap((entry) => {
    const list = asObject(entry)?.changes;
    return Array.isArray(list) ? list.map(asObject).filter((c): c is JsonObject => c !== undefined) : [];
  });
  const first = changes[0];
  const field = asString(first?.field);
  if (first === undefined || field === undefined) return reject("MALFORMED_BODY");
  const ids = changes.flatMap(itemIds);
  const single = ids.length === 1 ? ids[0] : undefined;
  return {
    kind: "event",
    providerEventId: single || bodyDigestId(body),
    eventKey: eventKey("whatsapp", kindOf(first, field)),
    payload: notification,
  };
}

function kindOf(change: JsonObject, field: string): string {
  const value = asObject(change.value);
  if (Array.isArray(value?.messages)) return "messages";
  if (Array.isArray(value?.statuses)) return "statuses";
  return field;
}

/** The ids of the messages and statuses in one change; a malformed item counts as one without id. */
function itemIds(change: JsonObject): string[] {
  const value = asObject(change.value);
  const messages = Array.isArray(value?.messages) ? value.messages : [];
  const statuses = Array.isArray(value?.statuses) ? value.statuses : [];
  return [
    ...messages.map((m) => asString(asObject(m)?.id) ?? ""),
    ...statuses.map((s) => {
      const status = asObject(s);
      const id = asString(status?.id);
      const state = asString(status?.status);
      return id === undefined || state === undefined ? "" : `${id}:${state}`;
    }),
  ];
}
