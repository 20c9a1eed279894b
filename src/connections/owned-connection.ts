import { Code, ConnectError } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/sql";
import type { Principal } from "../auth/index.ts";
import { isUuid } from "../protocol/is-uuid.ts";
import { ConnectionEntity, type ConnectionRow } from "./connection-entity.ts";

/**
 * The caller's non-deleted connection. Another subject's connection is NOT_FOUND, exactly like one that
 * does not exist, so its existence is not revealed. Request ids are UUIDs already (the `id` and
 * `connection_id` rules refuse anything else at the edge); any other text is NOT_FOUND too, and never
 * reaches the uuid column.
 */
export async function findOwnedConnection(
  em: EntityManager,
  principal: Principal,
  id: string,
): Promise<ConnectionRow> {
  const found = isUuid(id)
    ? await em.findOne(ConnectionEntity, {
        id: id.toLowerCase(),
        tenantId: principal.tenantId,
        subject: principal.subject,
        deletedAt: null,
      })
    : null;
  if (found === null) throw new ConnectError("connection not found", Code.NotFound);
  return found;
}
