import { defineEntity, type InferEntity, p } from "@mikro-orm/core";
import type { ScriptLimitsJson } from "../../gen/patchbay/v1/catalog_pb.ts";
import type { ConfigSchemaJson } from "../../gen/patchbay/v1/common_pb.ts";
import type { ExternalProtocol } from "../connectors/external/index.ts";
import type { AuthType, OAuthSettings } from "../connectors/index.ts";
import type { OpenApiPlan } from "../connectors/openapi/index.ts";
import type { Availability } from "./availabilities.ts";
import type { ExecutionModel } from "./execution-models.ts";

// The JSON columns hold proto JSON (`toJson` of ConfigSchema and ScriptLimits); canonical-schema.ts says
// how rows written before that read.

/** A catalog entry: a built-in definition or a connector created through the API. */
export const ConnectorEntity = defineEntity({
  name: "Connector",
  tableName: "connectors",
  properties: {
    id: p.uuid().primary(),
    /** The tenant that created it; null for built-in types and seeded connectors (shared, read-only). */
    tenantId: p.text().nullable(),
    /** An admin made it visible to every tenant; from then on only admin keys may change it. */
    published: p.boolean().default(false),
    // Unique per tenant, shared rows counting as one tenant (index connectors_tenant_slug_unique).
    slug: p.text(),
    name: p.text(),
    description: p.text(),
    type: p.text(),
    executionModel: p.text().$type<ExecutionModel>(),
    authType: p.text().$type<AuthType>(),
    category: p.text(),
    tags: p.json<string[]>(),
    version: p.text(),
    configSchema: p.json<ConfigSchemaJson>(),
    /** The commands' effect hints, kept out of `configSchema` (stored-schema.ts); null: none declared. */
    commandEffects: p.json<ConfigSchemaJson>().nullable(),
    builtIn: p.boolean(),
    /** Set by an operator; null: derived (`availabilityOf`). */
    availability: p.text().$type<Availability>().nullable(),
    availabilityReason: p.text().nullable(),
    sealedConfig: p.text().nullable(),
    endpointUrl: p.text().nullable(),
    protocol: p.text().$type<ExternalProtocol>().nullable(),
    scriptSource: p.text().nullable(),
    mockScenario: p.text().nullable(),
    recordPayloads: p.boolean().default(false),
    // The on-premise agent pool its commands' HTTP requests travel through (m0021); null: none.
    agentPool: p.text().nullable(),
    scriptLimits: p.json<ScriptLimitsJson>().nullable(),
    /** An OpenAPI-derived connector's execution plan; large, so read only when asked for (populate). */
    openapiPlan: p.json<OpenApiPlan>().nullable().lazy(),
    /** The operations an OpenAPI-derived connector was imported with; null: every operation. */
    openapiOperations: p.json<string[]>().nullable(),
    /** OAuth settings of a stored (not built-in) connector, e.g. an imported authorization-code flow. */
    oauthSettings: p.json<OAuthSettings>().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    deletedAt: p.datetime().nullable(),
  },
});

/** A row of `connectors`. */
export type ConnectorRow = InferEntity<typeof ConnectorEntity>;

/** One stored version of a connector's schema (every version is kept). */
export const ConnectorVersionEntity = defineEntity({
  name: "ConnectorVersion",
  tableName: "connector_versions",
  properties: {
    id: p.uuid().primary(),
    connectorId: p.uuid(),
    version: p.text(),
    configSchema: p.json<ConfigSchemaJson>(),
    commandEffects: p.json<ConfigSchemaJson>().nullable(),
    scriptSource: p.text().nullable(),
    openapiPlan: p.json<OpenApiPlan>().nullable().lazy(),
    createdAt: p.datetime(),
  },
});

/** A row of `connector_versions`. */
export type ConnectorVersionRow = InferEntity<typeof ConnectorVersionEntity>;
