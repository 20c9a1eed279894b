export { listAuthlessConnectorSlugs } from "./authless-connectors.ts";
export { AVAILABILITIES, type Availability, isAvailability } from "./availabilities.ts";
export { BUILTIN_CATALOG } from "./builtin-catalog.ts";
export { type BuiltinCatalogEntry, toCatalogEntry } from "./builtin-catalog-entry.ts";
export { type CatalogDeps, configContext, type LiveConnectionFilter } from "./catalog-deps.ts";
export { registerCatalog } from "./catalog-service.ts";
export {
  ConnectorEntity,
  type ConnectorRow,
  ConnectorVersionEntity,
  type ConnectorVersionRow,
} from "./connector-entity.ts";
export { type ConnectorLookup, type ConnectorView, createConnectorLookup } from "./connector-lookup.ts";
export { type CreatedConnector, createConnector } from "./create-connector.ts";
export { EXECUTION_MODELS, type ExecutionModel, isExecutionModel } from "./execution-models.ts";
export { type RequestLimits, readMaxBytesFor } from "./request-limits.ts";
export { CATALOG_SEALED_COLUMNS } from "./sealed-columns.ts";
export { syncBuiltinCatalog } from "./sync-builtin-catalog.ts";
export { deleteConnector, type UpdatedConnector, updateConnector } from "./update-connector.ts";
export { validateInstanceConfig } from "./validate-instance-config.ts";
