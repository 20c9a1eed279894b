import type { NativeQuery } from "../db/index.ts";

/** Whose connection {@link connectionExists} looks for. */
export interface ConnectionOwner {
  readonly tenantId: string;
  /** Also the subject's own connection; undefined accepts any subject of the tenant. */
  readonly subject?: string;
}

/**
 * Whether connection `id` exists, is not deleted, and belongs to `owner` (the tenant, and the subject when
 * given), whatever its status: for other features that tie something to a connection (a webhook endpoint)
 * without reading the connections table themselves.
 */
export async function connectionExists(
  query: NativeQuery,
  owner: ConnectionOwner,
  id: string,
): Promise<boolean> {
  const { rows } =
    owner.subject === undefined
      ? await query("select 1 from connections where id = $1 and tenant_id = $2 and deleted_at is null", [
          id,
          owner.tenantId,
        ])
      : await query(
          "select 1 from connections where id = $1 and tenant_id = $2 and subject = $3 and deleted_at is null",
          [id, owner.tenantId, owner.subject],
        );
  return rows.length > 0;
}
