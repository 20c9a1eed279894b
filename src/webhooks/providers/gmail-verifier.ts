import { jwtVerify } from "jose";
import { createVerifier } from "./create-verifier.ts";
import { gmailOutcome } from "./gmail-outcome.ts";
import type { ProviderVerifier, WebhookDelivery } from "./provider-verifier.ts";
import { reject } from "./reject.ts";
import { timingSafeEqualString } from "./timing-safe-equal.ts";

/** Google ID tokens name either form (google-auth-library accepts both). */
const ISSUERS = ["https://accounts.google.com", "accounts.google.com"];
/** Seconds of clock skew allowed on `exp`/`iat`/`nbf`. */
const CLOCK_TOLERANCE_S = 60;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const BEARER = /^Bearer +(\S+)$/i;

/**
 * Gmail push notifications through an authenticated Cloud Pub/Sub push subscription:
 * `Authorization: Bearer <Google-signed OIDC JWT>`, checked against `context.googleKeys` for
 * RS256, issuer, audience (the public URL without its query string), expiry, `email_verified`
 * and `email` equal (ignoring case) to the endpoint secret, the subscription's service-account
 * email. Failures never echo the address. Event key and dedupe id: see {@link gmailOutcome}.
 */
export const gmailVerifier: ProviderVerifier = createVerifier({
  provider: "gmail",
  checkSecret: (secret) =>
    EMAIL.test(secret) && secret.length <= 320
      ? undefined
      : "Gmail needs the push subscription's service-account email address",
  async verify(delivery, secrets, context) {
    const token = BEARER.exec(delivery.header("authorization")?.trim() ?? "")?.[1];
    if (token === undefined) return reject("SIGNATURE_MISSING");
    if (context.googleKeys === undefined) return reject("TOKEN_INVALID");
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(token, context.googleKeys, {
        algorithms: ["RS256"],
        issuer: ISSUERS,
        audience: audienceOf(delivery),
        requiredClaims: ["exp", "iat"],
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: delivery.now,
      }));
    } catch {
      return reject("TOKEN_INVALID");
    }
    const email = claims.email;
    if (claims.email_verified !== true || typeof email !== "string") return reject("TOKEN_INVALID");
    const expected = email.toLowerCase();
    if (!secrets.some((secret) => timingSafeEqualString(secret.toLowerCase(), expected))) {
      return reject("TOKEN_INVALID");
    }
    return gmailOutcome(delivery.body);
  },
});

/** Pub/Sub's default audience is the push endpoint; the query string is not part of it here. */
function audienceOf(delivery: WebhookDelivery): string {
  return delivery.url.split(/[?#]/, 1)[0] ?? delivery.url;
}
