/** The rows of a native query's result, as column → value records (what node-postgres returns). */
export function rowsOf(result: { readonly rows: readonly unknown[] }): Record<string, unknown>[] {
  return result.rows as Record<string, unknown>[];
}
