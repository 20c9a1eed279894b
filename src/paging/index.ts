export {
  createPageTokens,
  PAGE_SIZE_DEFAULT,
  PAGE_SIZE_MAX,
  type PageTokens,
  resolvePageSize,
} from "./page-token.ts";
