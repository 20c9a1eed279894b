export type { ProviderName } from "./providers/index.ts";
export { createReceiverRoute } from "./receiver/receiver-route.ts";
export { createWebhookRegistrar } from "./setup/webhook-registrar.ts";
export { startWebhooks, type WebhookSettings, type Webhooks } from "./start-webhooks.ts";
export type { WebhookDeps } from "./webhook-deps.ts";
export { registerWebhooks } from "./webhook-service.ts";
