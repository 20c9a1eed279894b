import { Code, ConnectError } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/sql";
import type { Principal } from "../auth/index.ts";
import { ConnectionEntity, type ConnectionRow } from "./connection-entity.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The caller's non-deleted connection. Another subject's connection is NOT_FOUND, exactly like one that
 * does not exist, so its existence is not revealed; a malformed id is INVALID_ARGUMENT.
 */
export async function findOwnedConnection(
  em: EntityManager,
  principal: Principal,
  id: string,
): Promise<ConnectionRow> {
  if (!UUID.test(id)) throw new ConnectError("id must be a UUID", Code.InvalidArgument);
  const row = await em.findOne(ConnectionEntity, {
    id: id.toLowerCase(),
    tenantId: principal.tenantId,
    subject: principal.subject,
    deletedAt: null,
  });
  if (row === null) throw new ConnectError("connection not found", Code.NotFound);
  return row;
}
