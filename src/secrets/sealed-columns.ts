/** A database column holding values made by `SecretBox.seal`, for `patchbay keys rotate-master`. */
export interface SealedColumn {
  /** Table name (lower-case SQL identifier). */
  readonly table: string;
  /** Its primary key column; rows are paged in its order. */
  readonly idColumn: string;
  /** The sealed column (nullable or not). */
  readonly column: string;
  /**
   * The sealing context the owning feature binds as associated data, computed from a row holding
   * `idColumn` and `column`. It must match the feature's own context function exactly, or nothing opens.
   */
  readonly context: (row: Readonly<Record<string, unknown>>) => string;
}

/** A column keyed by `idColumn` (default `id`) whose context depends on the row id only. */
export function sealedColumn(
  table: string,
  column: string,
  context: (id: string) => string,
  idColumn = "id",
): SealedColumn {
  return { table, idColumn, column, context: (row) => context(String(row[idColumn])) };
}

/**
 * Every sealed column in the schema, as data: a feature that stores a sealed value appends one line.
 * A listed table that does not exist yet (its migration not written or not applied) is skipped, so the
 * order in which features land does not matter.
 */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  sealedColumn("connectors", "sealed_config", (id) => `connector:${id}:config`),
  sealedColumn("connections", "sealed_credentials", (id) => `connection:${id}:credentials`),
  sealedColumn("oauth_states", "sealed_code_verifier", (id) => `oauth-state:${id}:verifier`),
  sealedColumn("webhook_endpoints", "sealed_secret", (id) => `webhook-endpoint:${id}:secret`),
  sealedColumn("webhook_endpoints", "sealed_previous_secret", (id) => `webhook-endpoint:${id}:secret`),
  sealedColumn("webhook_endpoints", "sealed_verify_token", (id) => `webhook-endpoint:${id}:verify-token`),
  sealedColumn("webhook_endpoints", "sealed_signing_secret", (id) => `webhook-endpoint:${id}:signing-secret`),
  sealedColumn("webhook_events", "sealed_payload", (id) => `webhook-event:${id}:payload`),
];
