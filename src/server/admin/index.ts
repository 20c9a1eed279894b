export type { AdminRoutesOptions } from "./admin-routes.ts";
export { ADMIN_PAGES, createAdminRoutes } from "./admin-routes.ts";
export { createOverviewDataRoute, OVERVIEW_DATA_PATH, type OverviewDataDeps } from "./overview-data-route.ts";
