import { checkSharedSecret } from "./check-shared-secret.ts";
import { createVerifier } from "./create-verifier.ts";
import { eventKey } from "./event-key.ts";
import { hmac } from "./hmac.ts";
import { asString, parseJsonObject } from "./json-object.ts";
import type { ProviderVerifier } from "./provider-verifier.ts";
import { reject } from "./reject.ts";
import { isWithinWindow } from "./replay-window.ts";
import { timingSafeEqualHex } from "./timing-safe-equal.ts";

/** stripe-node's DEFAULT_TOLERANCE. */
const WINDOW_MS = 300_000;
const TIMESTAMP = /^\d{1,12}$/;

/**
 * Stripe: `Stripe-Signature: t=<unix s>,v1=<hex>[,v1=<hex>…]`, each v1 a hex HMAC-SHA256 keyed with
 * the `whsec_…` string as-is over `t + "." + raw body`. Any v1 may match (Stripe sends several while a
 * rolled secret is active); v0 and other schemes are ignored against downgrade. `t` must be within
 * 300 s of now, either way (stripe-node lets future ones through).
 *
 * Event key: `stripe.<type>` with the dots of `type` as segments (`stripe.invoice.paid`,
 * `stripe.customer.subscription.created`). Dedupe id: the event `id` (`evt_…`).
 */
export const stripeVerifier: ProviderVerifier = createVerifier({
  provider: "stripe",
  checkSecret: (secret) =>
    checkSharedSecret(secret, "Stripe signing secret") ??
    (/^whsec_\S+$/.test(secret) ? undefined : 'Stripe signing secret must start with "whsec_"'),
  verify(delivery, secrets) {
    const header = delivery.header("stripe-signature");
    if (header === undefined) return reject("SIGNATURE_MISSING");
    let timestamp: string | undefined;
    const candidates: string[] = [];
    for (const item of header.split(",")) {
      const equals = item.indexOf("=");
      if (equals === -1) continue;
      const name = item.slice(0, equals);
      if (name === "t") timestamp = item.slice(equals + 1);
      else if (name === "v1") candidates.push(item.slice(equals + 1));
    }
    if (timestamp === undefined || !TIMESTAMP.test(timestamp) || candidates.length === 0) {
      return reject("SIGNATURE_MISMATCH");
    }
    const signedContent = `${timestamp}.`;
    const signed = secrets.some((secret) => {
      const expected = hmac("sha256", secret, signedContent, delivery.body);
      return candidates.some((candidate) => timingSafeEqualHex(expected, candidate));
    });
    if (!signed) return reject("SIGNATURE_MISMATCH");
    if (!isWithinWindow(delivery.now, Number(timestamp) * 1000, WINDOW_MS)) return reject("TIMESTAMP_STALE");
    const event = parseJsonObject(delivery.body);
    const id = asString(event?.id);
    const type = asString(event?.type);
    if (event === undefined || id === undefined || type === undefined) return reject("MALFORMED_BODY");
    return {
      kind: "event",
      providerEventId: id,
      eventKey: eventKey("stripe", ...type.split(".")),
      payload: event,
    };
  },
});
