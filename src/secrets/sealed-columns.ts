/**
 * A database column holding values made by `SecretBox.seal`, for `patchbay keys rotate-master`. Each
 * feature declares its own (`<feature>/sealed-columns.ts`) with its own sealing-context function.
 */
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
