export { containsPattern } from "./contains-pattern.ts";
export { type KeysetCursor, type KeysetPage, type KeysetRequest, keysetPage } from "./keyset-page.ts";
export { type KeysetSql, keysetSql } from "./keyset-sql.ts";
export { keysetOrderBy, keysetWhere } from "./keyset-where.ts";
export {
  createPageTokens,
  PAGE_SIZE_DEFAULT,
  PAGE_SIZE_MAX,
  type PageTokens,
  resolvePageSize,
} from "./page-token.ts";
export { orderDirection, type SortDirection } from "./sort-direction.ts";
