import { createHash } from "node:crypto";
import { checkSharedSecret } from "./check-shared-secret.ts";
import { createVerifier } from "./create-verifier.ts";
import { type FormFields, formToObject, isFormContentType, parseFormBody } from "./form-body.ts";
import { hmac } from "./hmac.ts";
import { parseJsonObject } from "./json-object.ts";
import type { ProviderVerifier, WebhookDelivery } from "./provider-verifier.ts";
import { reject } from "./reject.ts";
import { timingSafeEqualBase64, timingSafeEqualHex } from "./timing-safe-equal.ts";
import { twilioOutcome } from "./twilio-outcome.ts";
import { twilioUrlVariants } from "./twilio-url-variants.ts";

/**
 * Twilio: `X-Twilio-Signature` = base64 HMAC-SHA1 (auth token) of the public URL followed, for form
 * posts, by every body parameter sorted by name as name + value (a repeated name: its distinct
 * values sorted). JSON posts carry `bodySHA256` (hex SHA-256 of the body) in the signed URL and sign
 * no parameters. The URL is tried as received and with the default port removed or added, as
 * twilio-node does, because Twilio signs the URL exactly as configured. No timestamp exists.
 * Event keys: see {@link twilioOutcome}.
 */
export const twilioVerifier: ProviderVerifier = createVerifier({
  provider: "twilio",
  checkSecret: (secret) => checkSharedSecret(secret, "Twilio auth token"),
  verify(delivery, secrets) {
    const signature = delivery.header("x-twilio-signature");
    if (signature === undefined) return reject("SIGNATURE_MISSING");
    const bodyHash = bodySha256Of(delivery.url);
    if (bodyHash !== undefined) {
      const bodyMatches = timingSafeEqualHex(createHash("sha256").update(delivery.body).digest(), bodyHash);
      if (!signedBy(secrets, signature, delivery, new Map()) || !bodyMatches) {
        return reject("SIGNATURE_MISMATCH");
      }
      const object = parseJsonObject(delivery.body);
      return object === undefined ? reject("MALFORMED_BODY") : twilioOutcome(object, delivery.body);
    }
    // Without bodySHA256 only a form body is covered by the signature.
    if (delivery.body.length > 0 && !isFormContentType(delivery.contentType)) {
      return reject("SIGNATURE_MISMATCH");
    }
    const fields = parseFormBody(delivery.body);
    if (fields === undefined) return reject("MALFORMED_BODY");
    if (!signedBy(secrets, signature, delivery, fields)) return reject("SIGNATURE_MISMATCH");
    return twilioOutcome(formToObject(fields), delivery.body);
  },
});

function signedBy(
  secrets: readonly string[],
  signature: string,
  delivery: WebhookDelivery,
  fields: FormFields,
): boolean {
  const params = signedParams(fields);
  return twilioUrlVariants(delivery.url).some((url) =>
    secrets.some((secret) => timingSafeEqualBase64(hmac("sha1", secret, url, params), signature)),
  );
}

function signedParams(fields: FormFields): string {
  let data = "";
  for (const name of [...fields.keys()].sort()) {
    for (const value of [...new Set(fields.get(name))].sort()) data += name + value;
  }
  return data;
}

function bodySha256Of(url: string): string | undefined {
  const query = url.indexOf("?");
  if (query === -1) return undefined;
  const hash = url.indexOf("#", query);
  const params = new URLSearchParams(url.slice(query + 1, hash === -1 ? undefined : hash));
  return params.get("bodySHA256") ?? undefined;
}
