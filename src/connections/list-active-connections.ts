import type { EntityManager } from "@mikro-orm/sql";
import type { Principal } from "../auth/index.ts";
import { ConnectionEntity } from "./connection-entity.ts";

/** An active connection as other features may see it: no credentials, no state beyond what they need. */
export interface ActiveConnection {
  readonly id: string;
  readonly label: string;
  readonly connectorSlug: string;
}

/** The principal's own active connections (its tenant and subject), oldest first. */
export async function listActiveConnections(
  em: EntityManager,
  principal: Pick<Principal, "tenantId" | "subject">,
): Promise<ActiveConnection[]> {
  const rows = await em.find(
    ConnectionEntity,
    { tenantId: principal.tenantId, subject: principal.subject, status: "active", deletedAt: null },
    { orderBy: { createdAt: "asc", id: "asc" }, fields: ["id", "label", "connectorSlug"] },
  );
  return rows.map((row) => ({ id: row.id, label: row.label, connectorSlug: row.connectorSlug }));
}
