export { checkMetaHandshake, type MetaHandshakeQuery } from "./meta-handshake.ts";
export type {
  ProviderName,
  ProviderVerifier,
  RejectCode,
  VerifyContext,
  VerifyOutcome,
  WebhookDelivery,
  WebhookReply,
} from "./provider-verifier.ts";
export { REJECT_STATUS } from "./reject.ts";
export { generateTelegramSecretToken } from "./telegram-secret-token.ts";
export { PROVIDERS, VERIFIERS, verifierFor } from "./verifier-for.ts";
