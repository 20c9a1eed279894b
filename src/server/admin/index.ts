export type { AdminRoutesOptions } from "./admin-routes.ts";
export { createAdminRoutes } from "./admin-routes.ts";
