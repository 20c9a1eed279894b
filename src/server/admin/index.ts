export type { AdminRoutesOptions } from "./admin-routes.ts";
export { createAdminRoutes } from "./admin-routes.ts";
export { createOverviewDataRoute, OVERVIEW_DATA_PATH, type OverviewDataDeps } from "./overview-data-route.ts";
