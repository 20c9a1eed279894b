import type { NativeQuery } from "../db/index.ts";

/**
 * The slugs of the auth-less connectors a tenant sees (built-ins, its own, published ones), by slug.
 * Availability is the lookup's to decide. One statement on the driver, without the ORM's entity work:
 * MCP reads it on every request.
 */
export async function listAuthlessConnectorSlugs(query: NativeQuery, tenantId: string): Promise<string[]> {
  const { rows } = await query(
    `select distinct slug from connectors
     where auth_type = 'none' and deleted_at is null and (tenant_id is null or tenant_id = $1 or published)
     order by slug`,
    [tenantId],
  );
  return (rows as { slug: string }[]).map((row) => row.slug);
}
