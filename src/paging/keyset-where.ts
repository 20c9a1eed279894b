import type { KeysetCursor } from "./keyset-page.ts";
import type { SortDirection } from "./sort-direction.ts";

/**
 * The MikroORM condition of a later `KeysetPage`: rows strictly after `after` in the page's order
 * (`orderBy: keysetOrderBy(direction, fields)`), for entities whose time is a Date property.
 * The cursor of such a row is `{ at: row[at].toISOString(), id: row[id] }`.
 */
export function keysetWhere(
  after: KeysetCursor,
  fields: { readonly at: string; readonly id: string },
  direction: SortDirection = "desc",
): { $or: Record<string, unknown>[] } {
  const at = new Date(after.at);
  const beyond = direction === "desc" ? "$lt" : "$gt";
  return {
    $or: [{ [fields.at]: { [beyond]: at } }, { [fields.at]: at, [fields.id]: { [beyond]: after.id } }],
  };
}

/** The MikroORM `orderBy` of a keyset list: time, then id, both in `direction`. */
export function keysetOrderBy(
  direction: SortDirection,
  fields: { readonly at: string; readonly id: string },
): Record<string, SortDirection>[] {
  return [{ [fields.at]: direction }, { [fields.id]: direction }];
}
