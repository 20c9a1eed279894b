import { createVerifier } from "./create-verifier.ts";
import { eventKey } from "./event-key.ts";
import { parseJsonObject } from "./json-object.ts";
import type { ProviderVerifier } from "./provider-verifier.ts";
import { reject } from "./reject.ts";
import { timingSafeEqualString } from "./timing-safe-equal.ts";

const HEADER = "x-telegram-bot-api-secret-token";
/** setWebhook `secret_token`: "1-256 characters. Only characters A-Z, a-z, 0-9, _ and - are allowed." */
const SECRET_TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * Telegram Bot API webhooks. Telegram echoes the setWebhook `secret_token` verbatim in
 * `X-Telegram-Bot-Api-Secret-Token`; there is no body signature and no timestamp.
 *
 * Event key: `telegram.<field>`, the one optional Update field present (`telegram.message`,
 * `telegram.callback_query`); `telegram.update` when there is none. Dedupe id: `update_id`.
 */
export const telegramVerifier: ProviderVerifier = createVerifier({
  provider: "telegram",
  checkSecret: (secret) =>
    SECRET_TOKEN.test(secret)
      ? undefined
      : "Telegram secret token must be 1-256 characters of A-Z a-z 0-9 _ -",
  verify(delivery, secrets) {
    const token = delivery.header(HEADER);
    if (token === undefined) return reject("SIGNATURE_MISSING");
    if (!secrets.some((secret) => timingSafeEqualString(secret, token))) return reject("SIGNATURE_MISMATCH");
    const update = parseJsonObject(delivery.body);
    const updateId = update?.update_id;
    if (update === undefined || !Number.isSafeInteger(updateId)) return reject("MALFORMED_BODY");
    const type = Object.keys(update).find((field) => field !== "update_id" && update[field] != null);
    return {
      kind: "event",
      providerEventId: String(updateId),
      eventKey: eventKey("telegram", type ?? "update"),
      payload: update,
    };
  },
});
