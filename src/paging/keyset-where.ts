import type { KeysetCursor } from "./keyset-page.ts";

/**
 * The MikroORM condition of a later `KeysetPage`: rows strictly after `after` in newest-first
 * order (`orderBy: [{ [at]: "desc" }, { [id]: "desc" }]`), for entities whose time is a Date property.
 * The cursor of such a row is `{ at: row[at].toISOString(), id: row[id] }`.
 */
export function keysetWhere(
  after: KeysetCursor,
  fields: { readonly at: string; readonly id: string },
): { $or: Record<string, unknown>[] } {
  const at = new Date(after.at);
  return { $or: [{ [fields.at]: { $lt: at } }, { [fields.at]: at, [fields.id]: { $lt: after.id } }] };
}
