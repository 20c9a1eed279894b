import { equals, toJson } from "@bufbuild/protobuf";
import type { CreateConnectorRequest } from "../../gen/patchbay/v1/catalog_pb.ts";
import { type ConfigSchemaJson, ConfigSchemaSchema } from "../../gen/patchbay/v1/common_pb.ts";
import type { ExternalProtocol } from "../connectors/external/index.ts";
import {
  AUTH_TYPES,
  type AuthType,
  type ConnectorDefinition,
  isAuthType,
  type OAuthSettings,
  toConfigSchema,
} from "../connectors/index.ts";
import type { ImportProgress, OpenApiPlan } from "../connectors/openapi/index.ts";
import { invalidArgument } from "../protocol/errors.ts";
import type { CatalogDeps } from "./catalog-deps.ts";
import { checkAgentPool } from "./check-agent-pool.ts";
import { checkConfigSchema } from "./check-config-schema.ts";
import { checkExternalEndpoint } from "./check-external-endpoint.ts";
import type { ExecutionModel } from "./execution-models.ts";
import { importOpenApiDocument } from "./import-openapi-document.ts";
import { schemaForCaller } from "./schema-for-caller.ts";

/** The refusal of `mock_scenario` for a model without in-code mock scenarios. */
export const MOCK_SCENARIO_BUILT_IN_ONLY =
  "mock_scenario is only accepted for built_in connectors: script, external and openapi connectors have no mock scenarios";

const MAX_SCRIPT_BYTES = 1_000_000;

/** Options of createConnector and updateConnector. */
export interface CreateOptions {
  /** Progress of an OpenAPI import (the command line shows it). */
  onProgress?: (progress: ImportProgress) => void;
  /** The caller went away: a waiting or running OpenAPI import is dropped. */
  signal?: AbortSignal;
}

/** Whether a schema has a secret connection field: what a connection must then supply. */
function hasSecretFields(schema: ConfigSchemaJson): boolean {
  return Object.values(schema.connectionConfig ?? {}).some((field) => field.secret);
}

/** The fields a new row takes from the request's execution model. */
export interface ModelFields {
  type: string;
  authType: AuthType;
  configSchema: ConfigSchemaJson;
  version: string;
  scriptSource: string | null;
  endpointUrl: string | null;
  protocol: ExternalProtocol | null;
  openapiPlan?: OpenApiPlan;
  openapiOperations?: string[] | null;
  oauthSettings?: OAuthSettings | null;
  name?: string;
  description?: string;
  warnings?: string[];
}

/** Refuses a connector mock mode (`mock_scenario`, not empty) that no command of the built-in type has. */
export function checkMockScenario(definition: ConnectorDefinition, scenario: string): void {
  if (
    scenario !== "" &&
    !Object.values(definition.commands).some((c) => c.mock !== undefined && Object.hasOwn(c.mock, scenario))
  ) {
    throw invalidArgument("mock_scenario names no mock scenario of this connector type");
  }
}

function builtInFields(deps: CatalogDeps, req: CreateConnectorRequest): ModelFields {
  const definition = deps.builtins.get(req.type);
  if (definition === undefined) {
    throw invalidArgument(
      `type must name a registered built-in connector: ${[...deps.builtins.keys()].join(", ")}`,
    );
  }
  checkMockScenario(definition, req.mockScenario);
  return {
    type: definition.name,
    authType: definition.authType,
    configSchema: toJson(ConfigSchemaSchema, toConfigSchema(definition)),
    version: req.version || definition.version,
    scriptSource: null,
    endpointUrl: null,
    protocol: null,
  };
}

// Script connectors run in the isolated-vm sandbox (src/connectors/script).
function scriptFields(req: CreateConnectorRequest): ModelFields {
  const configSchema = checkConfigSchema(req.configSchema);
  if (Object.keys(configSchema.commands ?? {}).length === 0)
    throw invalidArgument("config_schema must declare at least one command");
  if (req.scriptSource === "") throw invalidArgument("script_source is required for a script connector");
  if (Buffer.byteLength(req.scriptSource) > MAX_SCRIPT_BYTES)
    throw invalidArgument("script_source is larger than 1 MB");
  return {
    type: req.type || req.name,
    authType: hasSecretFields(configSchema) ? "api_key" : "none",
    configSchema,
    version: req.version || "1.0.0",
    scriptSource: req.scriptSource,
    endpointUrl: null,
    protocol: null,
  };
}

/**
 * Registering an external connector checks its health and asks it for its schema (Describe or
 * GET /schema), so that a connector that cannot answer is refused at registration instead of at first
 * use. A schema in the request wins over the described one (the caller pins what it relies on). The
 * endpoint is subject to the egress policy like every outbound call: a connector on an internal
 * address needs its CIDR or host name in PATCHBAY_EGRESS_ALLOW. A connector naming an agent pool is
 * checked and described through an agent of the registering tenant's pool instead, which must be
 * connected.
 */
async function externalFields(
  deps: CatalogDeps,
  req: CreateConnectorRequest,
  tenantId: string,
): Promise<ModelFields> {
  const pool = checkAgentPool(req.agentPool);
  const {
    endpointUrl,
    protocol,
    answer: described,
  } = await checkExternalEndpoint(
    { guard: deps.outbound.guard, agents: deps.agents },
    req.endpointUrl,
    req.protocol,
    pool === null ? undefined : { tenantId, pool, connector: req.name },
    (client, signal) => client.describe(signal),
  );
  const requested = checkConfigSchema(req.configSchema);
  const configSchema =
    Object.keys(requested.commands ?? {}).length > 0
      ? requested
      : toJson(ConfigSchemaSchema, described.configSchema);
  if (Object.keys(configSchema.commands ?? {}).length === 0)
    throw invalidArgument("the external connector declares no commands");
  if (described.authType !== "" && !isAuthType(described.authType))
    throw invalidArgument(
      `the external connector reports an auth_type that is not one of ${AUTH_TYPES.join(", ")}`,
    );
  return {
    type: req.type || req.name,
    authType: described.authType || (hasSecretFields(configSchema) ? "api_key" : "none"),
    configSchema,
    version: req.version || described.version || "1.0.0",
    scriptSource: null,
    endpointUrl,
    protocol,
  };
}

/**
 * OpenAPI-derived connectors are derived from `openapi_document` alone (ParseOpenApi's import): the
 * commands, connection fields, execution plan and OAuth settings; `operations` chooses the commands. A
 * schema in the request is accepted when it is the derived one (ParseOpenApi's draft sent back as is),
 * and refused otherwise instead of silently replaced.
 */
async function openapiFields(
  deps: CatalogDeps,
  req: CreateConnectorRequest,
  options: CreateOptions,
): Promise<ModelFields> {
  const imported = await importOpenApiDocument(
    deps.openapi,
    req.openapiDocument,
    req.operations,
    req.name,
    options.onProgress,
    options.signal,
  );
  const { draft } = imported;
  if (
    req.configSchema !== undefined &&
    !equals(ConfigSchemaSchema, req.configSchema, schemaForCaller(imported.configSchema))
  ) {
    throw invalidArgument(
      "config_schema differs from what openapi_document derives for an openapi connector; leave it out (or send ParseOpenApi's draft schema unchanged) and choose commands with operations",
    );
  }
  return {
    type: req.type || req.name,
    authType: draft.authType,
    configSchema: imported.configSchema,
    version: req.version || draft.version,
    scriptSource: null,
    endpointUrl: null,
    protocol: null,
    openapiPlan: imported.plan,
    openapiOperations: imported.operations,
    oauthSettings: imported.oauth,
    name: draft.displayName,
    description: draft.description,
    warnings: draft.warnings,
  };
}

/**
 * What a new connector of the request's execution model is, registered by a caller of `tenantId`: its
 * type, auth type, schema and version, and what the model adds (script, endpoint, OpenAPI plan).
 */
export function modelFields(
  deps: CatalogDeps,
  req: CreateConnectorRequest,
  model: ExecutionModel,
  tenantId: string,
  options: CreateOptions,
): ModelFields | Promise<ModelFields> {
  switch (model) {
    case "built_in":
      return builtInFields(deps, req);
    case "external":
      return externalFields(deps, req, tenantId);
    case "openapi":
      return openapiFields(deps, req, options);
    case "script":
      return scriptFields(req);
  }
}
