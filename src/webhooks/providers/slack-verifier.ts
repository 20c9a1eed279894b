import { checkSharedSecret } from "./check-shared-secret.ts";
import { createVerifier } from "./create-verifier.ts";
import { formField, isFormContentType, parseFormBody } from "./form-body.ts";
import { hmac } from "./hmac.ts";
import type { ProviderVerifier, WebhookDelivery } from "./provider-verifier.ts";
import { reject } from "./reject.ts";
import { isWithinWindow } from "./replay-window.ts";
import { EMPTY_REPLY } from "./replies.ts";
import { slackOutcome } from "./slack-outcome.ts";
import { timingSafeEqualHex } from "./timing-safe-equal.ts";

/** Slack: "If the difference … is more than five minutes, … ignore the request." */
const WINDOW_MS = 5 * 60_000;
const TIMESTAMP = /^\d{1,12}$/;
const PREFIX = "v0=";

/**
 * Slack request signing: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret,
 * "v0:" + X-Slack-Request-Timestamp + ":" + body)>`, timestamp within 5 minutes of now in either
 * direction (Bolt only refuses old ones; the Python SDK refuses both, as this does).
 *
 * `ssl_check=1` form posts are answered before any signature check, as Bolt does: they carry no
 * signature requirement, the reply is empty and nothing is stored. Event keys: see {@link slackOutcome}.
 */
export const slackVerifier: ProviderVerifier = createVerifier({
  provider: "slack",
  checkSecret: (secret) => checkSharedSecret(secret, "Slack signing secret"),
  verify(delivery, secrets) {
    if (isSslCheck(delivery)) return { kind: "handshake", reply: EMPTY_REPLY };
    const signature = delivery.header("x-slack-signature");
    const timestamp = delivery.header("x-slack-request-timestamp");
    if (signature === undefined || timestamp === undefined) return reject("SIGNATURE_MISSING");
    if (!TIMESTAMP.test(timestamp) || !signature.startsWith(PREFIX)) return reject("SIGNATURE_MISMATCH");
    const hex = signature.slice(PREFIX.length);
    const signed = secrets.some((secret) =>
      timingSafeEqualHex(hmac("sha256", secret, `v0:${timestamp}:`, delivery.body), hex),
    );
    if (!signed) return reject("SIGNATURE_MISMATCH");
    if (!isWithinWindow(delivery.now, Number(timestamp) * 1000, WINDOW_MS)) return reject("TIMESTAMP_STALE");
    return slackOutcome(delivery.body, delivery.contentType);
  },
});

function isSslCheck(delivery: WebhookDelivery): boolean {
  if (!isFormContentType(delivery.contentType)) return false;
  const fields = parseFormBody(delivery.body);
  return fields !== undefined && formField(fields, "ssl_check") === "1";
}
