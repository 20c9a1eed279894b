import type { ServiceImpl } from "@connectrpc/connect";
import type { WebhookService } from "../../../gen/patchbay/v1/webhook_pb.ts";
import { hasScope, requirePrincipal } from "../../auth/index.ts";
import { keysetPage, resolvePageSize } from "../../paging/index.ts";
import { requireEndpoint } from "../endpoints/require-endpoint.ts";
import type { WebhookDeps } from "../webhook-deps.ts";
import { toEventMessage } from "./event-message.ts";

/** The event RPCs of `WebhookService`. */
export type EventHandlers = Pick<ServiceImpl<typeof WebhookService>, "listEvents">;

/** Implements the event RPCs: an endpoint's stored events, payloads only for `webhooks:payload`. */
export function eventHandlers(deps: WebhookDeps): EventHandlers {
  return {
    async listEvents(req, ctx) {
      const principal = requirePrincipal(ctx);
      const id = req.endpointId;
      const row = await requireEndpoint(deps.endpointStore, principal.tenantId, id);
      const page = keysetPage(deps.pageTokens, {
        scope: "webhook-events",
        filter: { endpointId: row.id, eventKey: req.eventKey },
        pageToken: req.pageToken,
        pageSize: resolvePageSize(req.pageSize),
      });
      const found = await deps.eventStore.list(row.id, req.eventKey, page);
      const states = await deps.jobStore.states(found.page.map((event) => String(event.job_id)));
      const withPayload = hasScope(principal.scopes, "webhooks:payload")
        ? { secretBox: deps.secretBox }
        : undefined;
      return {
        events: found.page.map((event) =>
          toEventMessage(event, states.get(String(event.job_id)), withPayload),
        ),
        nextPageToken: found.next,
      };
    },
  };
}
