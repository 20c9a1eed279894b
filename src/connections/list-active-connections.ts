import type { Principal } from "../auth/index.ts";
import type { NativeQuery } from "../db/index.ts";

/** An active connection as other features may see it: no credentials, no state beyond what they need. */
export interface ActiveConnection {
  readonly id: string;
  readonly label: string;
  readonly connectorSlug: string;
}

/**
 * The principal's own active connections (its tenant and subject), oldest first. One statement on the
 * driver, without the ORM's entity work: MCP reads it on every request.
 */
export async function listActiveConnections(
  query: NativeQuery,
  principal: Pick<Principal, "tenantId" | "subject">,
): Promise<ActiveConnection[]> {
  const { rows } = await query(
    `select id, label, connector_slug from connections
     where tenant_id = $1 and subject = $2 and status = 'active' and deleted_at is null
     order by created_at, id`,
    [principal.tenantId, principal.subject],
  );
  return (rows as { id: string; label: string; connector_slug: string }[]).map((row) => ({
    id: row.id,
    label: row.label,
    connectorSlug: row.connector_slug,
  }));
}
