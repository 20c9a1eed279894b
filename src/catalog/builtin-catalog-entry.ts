import { toJson } from "@bufbuild/protobuf";
import { type ConfigSchemaJson, ConfigSchemaSchema } from "../../gen/patchbay/v1/common_pb.ts";
import { type AuthType, type ConnectorDefinition, toConfigSchema } from "../connectors/index.ts";

/** A built-in connector's catalog entry, as upserted on every start. */
export interface BuiltinCatalogEntry {
  slug: string;
  name: string;
  description: string;
  authType: AuthType;
  category: string;
  tags: string[];
  version: string;
  /** Proto JSON, effect hints included; stored in two columns (stored-schema.ts). */
  configSchema: ConfigSchemaJson;
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
    configSchema: toJson(ConfigSchemaSchema, toConfigSchema(definition)),
  };
}
