import { create, fromJson } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Connector, ConnectorSchema, ScriptLimitsSchema } from "../../gen/patchbay/v1/catalog_pb.ts";
import type { ConnectorDefinition } from "../connectors/index.ts";
import type { Availability } from "./availabilities.ts";
import type { ConnectorRow } from "./connector-entity.ts";

/** Slugs whose OAuth client the environment supplies (`PATCHBAY_OAUTH_<SLUG>_CLIENT_ID/SECRET`). */
export type EnvOAuthClients = ReadonlySet<string> | ReadonlyMap<string, unknown>;

/**
 * Whether the instance-level credentials the connector needs are present: for OAuth, a client in the
 * instance config or in the environment (seed 001: "True if env-level credentials … are set").
 */
export function isConfigured(row: ConnectorRow, envClients?: EnvOAuthClients): boolean {
  return row.authType !== "oauth" || row.sealedConfig != null || (envClients?.has(row.slug) ?? false);
}

/** Availability of a row and, when not available, why. */
export function availabilityOf(
  row: ConnectorRow,
  envClients?: EnvOAuthClients,
): { availability: Availability; reason: string } {
  if (row.deletedAt != null) return { availability: "disabled", reason: "connector was deleted" };
  if (row.availability != null)
    return { availability: row.availability, reason: row.availabilityReason ?? "" };
  if (!isConfigured(row, envClients)) {
    return { availability: "not_configured", reason: "OAuth client credentials are not configured" };
  }
  return { availability: "available", reason: "" };
}

/**
 * The API view of a catalog row. This is the only place a row becomes a message, and it never reads
 * `sealedConfig`: instance secrets cannot reach a response. `locked` names the connection fields the
 * instance config sets (or decides while it shares a secret): a connection may not set them, so they are
 * not asked for.
 */
export function toConnectorMessage(
  row: ConnectorRow,
  envClients?: EnvOAuthClients,
  builtins?: ReadonlyMap<string, ConnectorDefinition>,
  locked?: ReadonlySet<string>,
): Connector {
  const { availability, reason } = availabilityOf(row, envClients);
  // Mock scenarios live in the built-in definition's code, not in the stored schema.
  const definition = row.executionModel === "built_in" ? builtins?.get(row.type) : undefined;
  // Read as proto JSON, not decoded: a page may hold large OpenAPI-derived schemas, and only names,
  // descriptions and the connection fields are needed.
  const schema = row.configSchema;
  return create(ConnectorSchema, {
    slug: row.slug,
    name: row.name,
    description: row.description,
    authType: row.authType,
    configured: isConfigured(row, envClients),
    availability,
    availabilityReason: reason,
    tools: Object.entries(schema.commands ?? {}).map(([name, command]) => ({
      name,
      description: command.description ?? "",
      mockScenarios: Object.keys(
        (definition !== undefined && Object.hasOwn(definition.commands, name)
          ? definition.commands[name]?.mock
          : undefined) ?? {},
      ),
    })),
    // Seed 001: credential fields are listed for API-key connectors only.
    credentialFields:
      row.authType === "api_key"
        ? Object.entries(schema.connectionConfig ?? {})
            .filter(([key]) => locked?.has(key) !== true)
            .map(([key, field]) => ({
              key,
              label: field.label ?? key,
              required: field.required ?? false,
              type: field.type ?? "string",
              secret: field.secret ?? field.type === "secret",
              description: field.description ?? "",
              options: field.options ?? [],
              placeholder: field.placeholder ?? "",
            }))
        : [],
    category: row.category,
    tags: row.tags,
    version: row.version,
    executionModel: row.executionModel,
    type: row.type,
    endpointUrl: row.endpointUrl ?? "",
    protocol: row.protocol ?? "",
    deprecated: false,
    mockScenario: row.mockScenario ?? "",
    recordPayloads: row.recordPayloads ?? false,
    agentPool: row.agentPool ?? "",
    published: row.published ?? false,
    builtIn: row.builtIn,
    ...(row.executionModel === "script"
      ? { scriptLimits: fromJson(ScriptLimitsSchema, row.scriptLimits ?? {}) }
      : {}),
    createTime: timestampFromDate(row.createdAt),
    updateTime: timestampFromDate(row.updatedAt),
  });
}
