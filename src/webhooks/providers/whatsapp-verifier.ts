import { checkSharedSecret } from "./check-shared-secret.ts";
import { createVerifier } from "./create-verifier.ts";
import { matchHubSignature256 } from "./hub-signature.ts";
import type { ProviderVerifier } from "./provider-verifier.ts";
import { reject } from "./reject.ts";
import { whatsappOutcome } from "./whatsapp-outcome.ts";

/**
 * WhatsApp Cloud API (Meta Graph webhooks): `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app
 * secret, raw body)>`; no timestamp. The legacy SHA-1 `X-Hub-Signature` is not accepted. The GET
 * `hub.challenge` subscription handshake is {@link checkMetaHandshake}'s. Event keys: see
 * {@link whatsappOutcome}.
 */
export const whatsappVerifier: ProviderVerifier = createVerifier({
  provider: "whatsapp",
  checkSecret: (secret) => checkSharedSecret(secret, "Meta app secret"),
  verify(delivery, secrets) {
    const signature = delivery.header("x-hub-signature-256");
    if (signature === undefined) return reject("SIGNATURE_MISSING");
    if (matchHubSignature256(signature, delivery.body, secrets) === undefined) {
      return reject("SIGNATURE_MISMATCH");
    }
    return whatsappOutcome(delivery.body);
  },
});
