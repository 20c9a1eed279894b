import { discordVerifier } from "./discord-verifier.ts";
import { githubVerifier } from "./github-verifier.ts";
import { gmailVerifier } from "./gmail-verifier.ts";
import { linearVerifier } from "./linear-verifier.ts";
import type { ProviderName, ProviderVerifier } from "./provider-verifier.ts";
import { slackVerifier } from "./slack-verifier.ts";
import { stripeVerifier } from "./stripe-verifier.ts";
import { telegramVerifier } from "./telegram-verifier.ts";
import { twilioVerifier } from "./twilio-verifier.ts";
import { whatsappVerifier } from "./whatsapp-verifier.ts";

/** Provider → verifier: the one table of supported providers. */
export const VERIFIERS: Readonly<Record<ProviderName, ProviderVerifier>> = {
  telegram: telegramVerifier,
  slack: slackVerifier,
  discord: discordVerifier,
  whatsapp: whatsappVerifier,
  twilio: twilioVerifier,
  gmail: gmailVerifier,
  github: githubVerifier,
  linear: linearVerifier,
  stripe: stripeVerifier,
};

/** Every supported provider name, in table order. */
export const PROVIDERS: readonly ProviderName[] = Object.keys(VERIFIERS) as ProviderName[];

/** The verifier for a provider name as given by a caller (exact, lowercase), or undefined. */
export function verifierFor(provider: string): ProviderVerifier | undefined {
  return Object.hasOwn(VERIFIERS, provider) ? VERIFIERS[provider as ProviderName] : undefined;
}
