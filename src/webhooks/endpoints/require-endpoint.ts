import { Code, ConnectError } from "@connectrpc/connect";
import { hasScope, type Principal } from "../../auth/index.ts";
import type { EndpointRow, StoredTarget } from "./endpoint-row.ts";
import type { EndpointStore } from "./endpoint-store.ts";

/** The tenant's live endpoint; `NOT_FOUND` otherwise (another tenant's endpoint is not revealed). */
export async function requireEndpoint(
  store: EndpointStore,
  tenantId: string,
  id: string,
): Promise<EndpointRow> {
  const row = await store.find(tenantId, id);
  if (row === undefined) throw new ConnectError("webhook endpoint not found", Code.NotFound);
  return row;
}

/**
 * An endpoint whose target runs a command on a connection runs with that connection owner's
 * credentials: only that subject, or an admin key, may change it (rotate its secret, delete it) or
 * run one of its jobs again. Otherwise a colleague with `webhooks:admin` could set the secret, sign
 * forged deliveries, and run the owner's command with data of their choosing.
 */
export function requireOwnerOfCommand(principal: Principal, target: StoredTarget): void {
  if (target.kind !== "command" || hasScope(principal.scopes, "admin")) return;
  if (target.subject !== principal.subject) {
    throw new ConnectError(
      "this endpoint runs a command on another user's connection: only that user or an admin key may change it",
      Code.PermissionDenied,
    );
  }
}
