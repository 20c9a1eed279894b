export { type StandardWebhookHeaders, signStandardWebhook } from "./sign-standard-webhook.ts";
export { checkSigningSecret, generateSigningSecret } from "./signing-secret.ts";
