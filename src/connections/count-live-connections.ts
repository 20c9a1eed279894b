import type { EntityManager } from "@mikro-orm/sql";
import { ConnectionEntity } from "./connection-entity.ts";

/**
 * Counts the live connections (not deleted, not revoked) of a connector, optionally leaving out one
 * tenant's: the catalog asks before it deletes or withdraws a connector.
 */
export function createLiveConnectionCounter(
  em: () => EntityManager,
): (connectorId: string, options?: { exceptTenant?: string }) => Promise<number> {
  return (connectorId, options = {}) =>
    em().count(ConnectionEntity, {
      connectorId,
      deletedAt: null,
      status: { $ne: "revoked" },
      ...(options.exceptTenant === undefined ? {} : { tenantId: { $ne: options.exceptTenant } }),
    });
}
