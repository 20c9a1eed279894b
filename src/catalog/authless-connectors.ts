import type { EntityManager } from "@mikro-orm/sql";
import { ConnectorEntity } from "./connector-entity.ts";

/**
 * The slugs of the auth-less connectors a tenant sees (built-ins, its own, published ones), by slug.
 * Availability is the lookup's to decide.
 */
export async function listAuthlessConnectorSlugs(em: EntityManager, tenantId: string): Promise<string[]> {
  const rows = await em.find(
    ConnectorEntity,
    { authType: "none", deletedAt: null, $or: [{ tenantId: null }, { tenantId }, { published: true }] },
    { orderBy: { slug: "asc" }, fields: ["slug"] },
  );
  return [...new Set(rows.map((row) => row.slug))];
}
