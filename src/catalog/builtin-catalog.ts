import { BUILT_IN_DEFINITIONS, type ConnectorDefinition, toConfigSchema } from "../connectors/index.ts";
import type { StoredConfigSchema } from "./connector-entity.ts";
import { SAMPLE_SCRIPT_ENTRY } from "./sample-script.ts";

/** A built-in connector's catalog entry, as upserted on every start. */
export interface BuiltinCatalogEntry {
  slug: string;
  name: string;
  description: string;
  authType: "none" | "api_key" | "oauth";
  category: string;
  tags: string[];
  version: string;
  configSchema: StoredConfigSchema;
  /** Set for a seeded script connector (execution model `script`); built-in types have none. */
  scriptSource?: string;
}

/** `acme-crm` → `Acme Crm`, for definitions without a display name. */
function titleOf(slug: string): string {
  return slug.replace(
    /(^|-)([a-z0-9])/g,
    (_m, dash: string, c: string) => `${dash ? " " : ""}${c.toUpperCase()}`,
  );
}

/** The catalog entry of a definition. */
export function toCatalogEntry(definition: ConnectorDefinition): BuiltinCatalogEntry {
  return {
    slug: definition.name,
    name: definition.displayName ?? titleOf(definition.name),
    description: definition.description,
    authType: definition.authType,
    category: definition.category ?? "",
    tags: [...(definition.tags ?? [])],
    version: definition.version,
    configSchema: toConfigSchema(definition),
  };
}

/** Every built-in catalog entry, from the one list of built-in definitions. */
export const BUILTIN_CATALOG: readonly BuiltinCatalogEntry[] = [
  ...BUILT_IN_DEFINITIONS.map(toCatalogEntry),
  SAMPLE_SCRIPT_ENTRY,
];
