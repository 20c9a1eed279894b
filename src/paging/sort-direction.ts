/** Which way a keyset list runs over its (time, id) key. */
export type SortDirection = "asc" | "desc";

/**
 * The direction of an AIP-132 `order_by` on one field (`create_time`, `create_time asc`,
 * `create_time desc`): `desc` when it says so, `asc` when it names the field alone or with `asc` (the
 * AIP's default), and `fallback` when it is empty. The request rules have already limited the text to the
 * list's allowed orders; this only reads it.
 */
export function orderDirection(orderBy: string, fallback: SortDirection): SortDirection {
  const words = orderBy.trim().split(/\s+/);
  if (words[0] === "") return fallback;
  return words[1]?.toLowerCase() === "desc" ? "desc" : "asc";
}
