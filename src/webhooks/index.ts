export { openWebhooks, type WebhookSettings, type Webhooks } from "./open-webhooks.ts";
export type { ProviderName } from "./providers/index.ts";
export { createReceiverRoute } from "./receiver/receiver-route.ts";
export { WEBHOOK_SEALED_COLUMNS } from "./sealed-columns.ts";
export { createWebhookRegistrar } from "./setup/webhook-registrar.ts";
export type { WebhookDeps } from "./webhook-deps.ts";
export { registerWebhooks } from "./webhook-service.ts";
