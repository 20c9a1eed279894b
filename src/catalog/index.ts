export { BUILTIN_CATALOG, type BuiltinCatalogEntry } from "./builtin-catalog.ts";
export { type CatalogDeps, registerCatalog } from "./catalog-service.ts";
export { ConnectorEntity, type ConnectorRow, type StoredConfigSchema } from "./connector-entity.ts";
export { syncBuiltinCatalog } from "./sync-builtin-catalog.ts";
