import { createVerifier } from "./create-verifier.ts";
import { discordOutcome } from "./discord-outcome.ts";
import { isEd25519PublicKeyHex, verifyEd25519Hex } from "./ed25519-verify.ts";
import type { ProviderVerifier } from "./provider-verifier.ts";
import { reject } from "./reject.ts";

/**
 * Discord interactions and webhook events: `X-Signature-Ed25519` is the hex Ed25519 signature of
 * `X-Signature-Timestamp` + raw body under the application's public key (the endpoint secret, 64
 * hex). Discord states no freshness window and its own library checks none, so none is applied.
 * Event keys and replies: see {@link discordOutcome}.
 */
export const discordVerifier: ProviderVerifier = createVerifier({
  provider: "discord",
  checkSecret: (secret) =>
    isEd25519PublicKeyHex(secret)
      ? undefined
      : "Discord needs the application's Ed25519 public key: 64 hexadecimal characters",
  verify(delivery, secrets) {
    const signature = delivery.header("x-signature-ed25519");
    const timestamp = delivery.header("x-signature-timestamp");
    if (signature === undefined || timestamp === undefined) return reject("SIGNATURE_MISSING");
    const message = Buffer.concat([Buffer.from(timestamp, "utf8"), delivery.body]);
    if (!secrets.some((key) => verifyEd25519Hex(key, message, signature)))
      return reject("SIGNATURE_MISMATCH");
    return discordOutcome(delivery.body);
  },
});
