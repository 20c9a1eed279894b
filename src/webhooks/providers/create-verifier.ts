import type {
  ProviderName,
  ProviderVerifier,
  VerifyContext,
  VerifyOutcome,
  WebhookDelivery,
} from "./provider-verifier.ts";
import { reject } from "./reject.ts";

/** The parts of a verifier a provider module writes. */
export interface VerifierParts {
  readonly provider: ProviderName;
  readonly checkSecret: (secret: string) => string | undefined;
  /** Gets only secrets that passed checkSecret (possibly none). */
  readonly verify: (
    delivery: WebhookDelivery,
    secrets: readonly string[],
    context: VerifyContext,
  ) => VerifyOutcome | Promise<VerifyOutcome>;
}

/**
 * A {@link ProviderVerifier} from its parts. Secrets that fail checkSecret never verify anything (an
 * empty HMAC key would let anyone sign), and verify never throws: a provider module is written not
 * to, and anything it missed becomes MALFORMED_BODY rather than a 500.
 */
export function createVerifier(parts: VerifierParts): ProviderVerifier {
  return {
    provider: parts.provider,
    checkSecret: parts.checkSecret,
    async verify(delivery, secrets, context) {
      const usable = secrets.filter((secret) => parts.checkSecret(secret) === undefined);
      try {
        return await parts.verify(delivery, usable, context);
      } catch {
        return reject("MALFORMED_BODY");
      }
    },
  };
}
