import type { ServiceImpl } from "@connectrpc/connect";
import type { WebhookEndpoint, WebhookService } from "../../../gen/patchbay/v1/webhook_pb.ts";
import { requirePrincipal } from "../../auth/index.ts";
import { keysetPage, resolvePageSize } from "../../paging/index.ts";
import type { WebhookDeps } from "../webhook-deps.ts";
import { checkCreateEndpoint } from "./check-create-endpoint.ts";
import { changeEndpoint } from "./endpoint-changes.ts";
import { type EndpointTallies, toEndpointMessage } from "./endpoint-message.ts";
import type { EndpointRow } from "./endpoint-row.ts";
import { insertEndpoint } from "./insert-endpoint.ts";
import { requireEndpoint, requireOwnerOfCommand } from "./require-endpoint.ts";
import { rotateEndpointSecret } from "./rotate-endpoint-secret.ts";

/** The endpoint RPCs of `WebhookService`: provisioning, status and delivery counts. */
export type EndpointHandlers = Pick<
  ServiceImpl<typeof WebhookService>,
  "createEndpoint" | "listEndpoints" | "getEndpoint" | "deleteEndpoint" | "rotateEndpointSecret"
>;

const NONE: EndpointTallies = { accepted: 0, failed: 0 };

/** Implements the endpoint RPCs; every one acts on the caller's tenant's endpoints only. */
export function endpointHandlers(deps: WebhookDeps): EndpointHandlers {
  const { endpointStore } = deps;

  /** Accepted events and dead jobs per endpoint, for the given ids. */
  async function tallies(ids: readonly string[]): Promise<Map<string, EndpointTallies>> {
    const accepted = await deps.eventStore.acceptedEvents(ids);
    const failed = await deps.jobStore.deadJobs(ids);
    return new Map(ids.map((id) => [id, { accepted: accepted.get(id) ?? 0, failed: failed.get(id) ?? 0 }]));
  }

  /** The endpoints as the API shows them, with the counters written first. */
  async function messages(rows: readonly EndpointRow[]): Promise<WebhookEndpoint[]> {
    const counted = await tallies(rows.map((row) => row.id));
    const now = deps.now();
    return rows.map((row) => toEndpointMessage(row, deps.publicUrl, counted.get(row.id) ?? NONE, now));
  }

  /** The endpoint as stored now, counters written first (one read of the row). */
  async function endpointMessage(tenantId: string, id: string): Promise<WebhookEndpoint> {
    await deps.counters.flush();
    const row = await requireEndpoint(endpointStore, tenantId, id);
    const counted = await tallies([row.id]);
    return toEndpointMessage(row, deps.publicUrl, counted.get(row.id) ?? NONE, deps.now());
  }

  return {
    async createEndpoint(req, ctx) {
      const principal = requirePrincipal(ctx);
      const id = await insertEndpoint(deps, principal, checkCreateEndpoint(req));
      return { endpoint: await endpointMessage(principal.tenantId, id) };
    },

    async listEndpoints(req, ctx) {
      const principal = requirePrincipal(ctx);
      const filter = { provider: req.provider, connectorSlug: req.connectorSlug };
      const page = keysetPage(deps.pageTokens, {
        scope: "webhook-endpoints",
        filter,
        pageToken: req.pageToken,
        pageSize: resolvePageSize(req.pageSize),
      });
      const found = await endpointStore.list(principal.tenantId, filter, page);
      await deps.counters.flush();
      return { endpoints: await messages(found.page), nextPageToken: found.next };
    },

    async getEndpoint(req, ctx) {
      const principal = requirePrincipal(ctx);
      return {
        endpoint: await endpointMessage(principal.tenantId, req.endpointId),
      };
    },

    async deleteEndpoint(req, ctx) {
      const principal = requirePrincipal(ctx);
      const id = req.endpointId;
      const row = await requireEndpoint(endpointStore, principal.tenantId, id);
      requireOwnerOfCommand(principal, row.target);
      await changeEndpoint(deps, row.id, { kind: "delete", at: deps.now() });
      deps.logger.info({ endpointId: row.id }, "webhook endpoint deleted");
      return {};
    },

    async rotateEndpointSecret(req, ctx) {
      const principal = requirePrincipal(ctx);
      const id = req.endpointId;
      const row = await requireEndpoint(endpointStore, principal.tenantId, id);
      requireOwnerOfCommand(principal, row.target);
      await rotateEndpointSecret(deps, row, req);
      return { endpoint: await endpointMessage(row.tenantId, row.id) };
    },
  };
}
