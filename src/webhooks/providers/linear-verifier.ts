import { bodyDigestId } from "./body-digest-id.ts";
import { checkSharedSecret } from "./check-shared-secret.ts";
import { createVerifier } from "./create-verifier.ts";
import { eventKey } from "./event-key.ts";
import { headerId } from "./header-id.ts";
import { hmac } from "./hmac.ts";
import { asString, parseJsonObject } from "./json-object.ts";
import type { ProviderVerifier } from "./provider-verifier.ts";
import { reject } from "./reject.ts";
import { replayKey } from "./replay-key.ts";
import { isWithinWindow } from "./replay-window.ts";
import { timingSafeEqualHex } from "./timing-safe-equal.ts";

/** `@linear/sdk` refuses a `webhookTimestamp` more than 60 s from now, either way. */
const WINDOW_MS = 60_000;

/**
 * Linear: `Linear-Signature` = bare hex HMAC-SHA256 (signing secret, raw body). Freshness comes only
 * from the signed body's `webhookTimestamp` (ms), within ±60 s; the unsigned `Linear-Timestamp`
 * header is ignored, as the SDK does. A signed body without a numeric `webhookTimestamp` is
 * MALFORMED_BODY.
 *
 * Event key: `linear.<type>.<action>` from the signed body (`linear.issue.create`,
 * `linear.issuesla.highrisk`). Dedupe id: the `Linear-Delivery` header, or the body digest when absent;
 * the header is not signed, so the verified signature is a second dedupe key (a captured delivery sent
 * again within the ±60 s under a fresh id is a duplicate).
 */
export const linearVerifier: ProviderVerifier = createVerifier({
  provider: "linear",
  checkSecret: (secret) => checkSharedSecret(secret, "Linear signing secret"),
  verify(delivery, secrets) {
    const signature = delivery.header("linear-signature");
    if (signature === undefined) return reject("SIGNATURE_MISSING");
    const mac = secrets
      .map((secret) => hmac("sha256", secret, delivery.body))
      .find((candidate) => timingSafeEqualHex(candidate, signature));
    if (mac === undefined) return reject("SIGNATURE_MISMATCH");
    const payload = parseJsonObject(delivery.body);
    const timestamp = payload?.webhookTimestamp;
    const type = asString(payload?.type);
    if (payload === undefined || typeof timestamp !== "number" || type === undefined) {
      return reject("MALFORMED_BODY");
    }
    if (!isWithinWindow(delivery.now, timestamp, WINDOW_MS)) return reject("TIMESTAMP_STALE");
    const id = headerId(delivery.header("linear-delivery")) ?? bodyDigestId(delivery.body);
    const key = eventKey("linear", type, asString(payload.action));
    return { kind: "event", providerEventId: id, replayKey: replayKey(mac), eventKey: key, payload };
  },
});
