import type { ConnectRouter } from "@connectrpc/connect";
import { WebhookService } from "../../gen/patchbay/v1/webhook_pb.ts";
import { endpointHandlers } from "./endpoints/endpoint-handlers.ts";
import { eventHandlers } from "./events/event-handlers.ts";
import { jobHandlers } from "./jobs/job-handlers.ts";
import { receiverHandlers } from "./receiver/receiver-handlers.ts";
import type { WebhookDeps } from "./webhook-deps.ts";

/**
 * Registers `patchbay.v1.WebhookService`, one group of RPCs per file: endpoints
 * (endpoints/endpoint-handlers.ts), the public receiver (receiver/receiver-handlers.ts), events
 * (events/event-handlers.ts) and jobs (jobs/job-handlers.ts). Their SQL is in endpoints/endpoint-store.ts,
 * events/event-store.ts and jobs/job-store.ts (pg-boss's tables: the version it was checked against).
 *
 * REST deliveries to `ReceiveEvent` do not reach the handler registered here: `createReceiverRoute`
 * (receiver/receiver-route.ts) serves them straight from the HTTP request, as a raw handler of the REST
 * bridge (`RawHandler` in src/protocol/raw-handler.ts; the composition root passes it to the bridge).
 */
export function registerWebhooks(router: ConnectRouter, deps: WebhookDeps): void {
  router.service(WebhookService, {
    ...endpointHandlers(deps),
    ...receiverHandlers(deps),
    ...eventHandlers(deps),
    ...jobHandlers(deps),
  });
}
