import type { EntityManager } from "@mikro-orm/sql";
import type { LiveConnectionFilter } from "../catalog/index.ts";
import { ConnectionEntity } from "./connection-entity.ts";

/**
 * Counts the live connections (not deleted, not revoked) of a connector, optionally leaving out one
 * tenant's or one subject's: the catalog asks before it deletes or withdraws a connector, or changes
 * what runs with other people's credentials.
 */
export function createLiveConnectionCounter(
  em: () => EntityManager,
): (connectorId: string, options?: LiveConnectionFilter) => Promise<number> {
  return (connectorId, options = {}) => {
    const other = options.exceptSubject;
    return em().count(ConnectionEntity, {
      connectorId,
      deletedAt: null,
      status: { $ne: "revoked" },
      ...(options.exceptTenant === undefined ? {} : { tenantId: { $ne: options.exceptTenant } }),
      ...(other === undefined
        ? {}
        : { $or: [{ tenantId: { $ne: other.tenantId } }, { subject: { $ne: other.subject } }] }),
    });
  };
}
