export type { ProviderName } from "./providers/index.ts";
export { startWebhooks, type WebhookSettings, type Webhooks } from "./start-webhooks.ts";
export type { WebhookDeps } from "./webhook-deps.ts";
export { registerWebhooks } from "./webhook-service.ts";
