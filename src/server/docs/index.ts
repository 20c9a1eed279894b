export type { DocsRoutesOptions } from "./create-docs-routes.ts";
export { API_DOCS_ALIASES, createDocsRoutes } from "./create-docs-routes.ts";
