import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Connection, ConnectionSchema } from "../../gen/patchbay/v1/connection_pb.ts";
import type { ConnectionRow } from "./connection-entity.ts";

/**
 * The API view of a connection: the one place a row becomes a message. It reads no credential column,
 * so no response can carry a token or key (tests plant secrets and search every response for them).
 */
export function toConnectionMessage(row: ConnectionRow): Connection {
  return create(ConnectionSchema, {
    id: row.id,
    connectorSlug: row.connectorSlug,
    label: row.label,
    status: row.status,
    authType: row.authType,
    lastError: row.lastError ?? "",
    grantedScopes: [...row.grantedScopes],
    ...(row.tokenExpiresAt ? { tokenExpireTime: timestampFromDate(row.tokenExpiresAt) } : {}),
    createTime: timestampFromDate(row.createdAt),
    updateTime: timestampFromDate(row.updatedAt),
    ...(row.deletedAt ? { deleteTime: timestampFromDate(row.deletedAt) } : {}),
  });
}
