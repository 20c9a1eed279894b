export type { DocsRoutesOptions } from "./create-docs-routes.ts";
export { createDocsRoutes } from "./create-docs-routes.ts";
