import { randomUUID } from "node:crypto";
import { toJson } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { CreateConnectorRequest } from "../../gen/patchbay/v1/catalog_pb.ts";
import { type ConfigSchemaJson, ConfigSchemaSchema } from "../../gen/patchbay/v1/common_pb.ts";
import {
  createExternalConnectorClient,
  EXTERNAL_PROTOCOLS,
  type ExternalProtocol,
  isExternalProtocol,
} from "../connectors/external/index.ts";
import {
  AUTH_TYPES,
  type AuthType,
  isAuthType,
  type OAuthSettings,
  toConfigSchema,
} from "../connectors/index.ts";
import type { ImportProgress, OpenApiPlan } from "../connectors/openapi/index.ts";
import type { EgressGuard } from "../outbound/index.ts";
import type { CatalogCaller } from "./catalog-access.ts";
import { type CatalogDeps, configContext } from "./catalog-deps.ts";
import { checkConfigSchema } from "./check-config-schema.ts";
import { checkScriptLimits } from "./check-script-limits.ts";
import { ConnectorEntity, type ConnectorRow, ConnectorVersionEntity } from "./connector-entity.ts";
import { EXECUTION_MODELS, isExecutionModel } from "./execution-models.ts";
import { importOpenApiDocument } from "./import-openapi-document.ts";
import { requireSlug } from "./slug.ts";
import { storedSchema } from "./stored-schema.ts";
import { validateInstanceConfig } from "./validate-instance-config.ts";
import { parseVersion } from "./versioning/index.ts";

const MAX_SCRIPT_BYTES = 1_000_000;
const REGISTRATION_TIMEOUT_MS = 10_000;

function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

/** Whether a schema has a secret connection field: what a connection must then supply. */
function hasSecretFields(schema: ConfigSchemaJson): boolean {
  return Object.values(schema.connectionConfig ?? {}).some((field) => field.secret);
}

/** The fields a new row takes from the request's execution model. */
interface ModelFields {
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

function builtInFields(deps: CatalogDeps, req: CreateConnectorRequest): ModelFields {
  const definition = deps.builtins.get(req.type);
  if (definition === undefined) {
    throw invalid(`type must name a registered built-in connector: ${[...deps.builtins.keys()].join(", ")}`);
  }
  if (
    req.mockScenario !== "" &&
    !Object.values(definition.commands).some((c) => c.mock?.[req.mockScenario])
  ) {
    throw invalid("mock_scenario names no mock scenario of this connector type");
  }
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
    throw invalid("config_schema must declare at least one command");
  if (req.scriptSource === "") throw invalid("script_source is required for a script connector");
  if (Buffer.byteLength(req.scriptSource) > MAX_SCRIPT_BYTES)
    throw invalid("script_source is larger than 1 MB");
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
 * The checks an external connector's endpoint passes on CreateConnector and on every UpdateConnector
 * that changes it: an http(s) URL, a known protocol, the egress policy, and a health check. Returns the
 * normalised endpoint and a client to ask it more.
 */
export async function checkExternalEndpoint(guard: EgressGuard, rawUrl: string, rawProtocol: string) {
  const protocol = rawProtocol || "http";
  if (!URL.canParse(rawUrl) || !/^https?:$/.test(new URL(rawUrl).protocol)) {
    throw invalid("endpoint_url must be an http or https URL for an external connector");
  }
  if (!isExternalProtocol(protocol))
    throw invalid(`protocol must be one of ${EXTERNAL_PROTOCOLS.join(", ")}`);
  const endpointUrl = rawUrl.replace(/\/+$/, "");
  try {
    guard.checkUrl(endpointUrl);
  } catch (error) {
    throw new ConnectError(`endpoint_url: ${(error as Error).message}`, Code.InvalidArgument);
  }
  const client = createExternalConnectorClient({
    endpointUrl,
    protocol,
    timeoutMs: REGISTRATION_TIMEOUT_MS,
    fetch: guard.fetch,
    lookup: guard.lookup,
  });
  const signal = AbortSignal.timeout(REGISTRATION_TIMEOUT_MS);
  if (!(await client.health(signal))) {
    throw new ConnectError(
      "the external connector did not pass its health check (unreachable, refused by the egress policy, or not serving)",
      Code.FailedPrecondition,
    );
  }
  return { endpointUrl, protocol, client, signal };
}

/**
 * Registering an external connector checks its health and asks it for its schema (Describe or
 * GET /schema), so that a connector that cannot answer is refused at registration instead of at first
 * use. A schema in the request wins over the described one (the caller pins what it relies on). The
 * endpoint is subject to the egress policy like every outbound call: a connector on an internal
 * address needs its CIDR or host name in PATCHBAY_EGRESS_ALLOW.
 */
async function externalFields(deps: CatalogDeps, req: CreateConnectorRequest): Promise<ModelFields> {
  const { endpointUrl, protocol, client, signal } = await checkExternalEndpoint(
    deps.outbound.guard,
    req.endpointUrl,
    req.protocol,
  );
  const described = await client.describe(signal);
  const requested = checkConfigSchema(req.configSchema);
  const configSchema =
    Object.keys(requested.commands ?? {}).length > 0
      ? requested
      : toJson(ConfigSchemaSchema, described.configSchema);
  if (Object.keys(configSchema.commands ?? {}).length === 0)
    throw invalid("the external connector declares no commands");
  if (described.authType !== "" && !isAuthType(described.authType))
    throw invalid(`the external connector reports an auth_type that is not one of ${AUTH_TYPES.join(", ")}`);
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
 * commands, connection fields, execution plan and OAuth settings. A schema in the request is refused
 * instead of silently replaced; `operations` chooses the commands.
 */
async function openapiFields(
  deps: CatalogDeps,
  req: CreateConnectorRequest,
  options: CreateOptions,
): Promise<ModelFields> {
  if (req.configSchema !== undefined) {
    throw invalid(
      "config_schema is derived from openapi_document for an openapi connector; choose commands with operations",
    );
  }
  const imported = await importOpenApiDocument(
    deps.openapi,
    req.openapiDocument,
    req.operations,
    req.name,
    options.onProgress,
    options.signal,
  );
  const { draft } = imported;
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
 * Stored config is what makes an OAuth connector "configured" (the catalog cannot open it to look), so an
 * OpenAPI-derived OAuth connector's config must hold the client unless the environment supplies it.
 */
export function requireOAuthClient(
  deps: CatalogDeps,
  slug: string,
  authType: string,
  config: Readonly<Record<string, unknown>>,
): void {
  if (authType !== "oauth" || deps.envOAuthClients?.has(slug)) return;
  const missing = ["clientId", "clientSecret"].filter(
    (key) => typeof config[key] !== "string" || config[key] === "",
  );
  if (missing.length > 0) {
    throw invalid(
      `config must hold the OAuth client (${missing.join(", ")} missing), or the environment must supply it`,
    );
  }
}

/** Options of createConnector and updateConnector. */
export interface CreateOptions {
  /** Progress of an OpenAPI import (the command line shows it). */
  onProgress?: (progress: ImportProgress) => void;
  /** The caller went away: a waiting or running OpenAPI import is dropped. */
  signal?: AbortSignal;
}

/** A created connector and what its import reported. */
export interface CreatedConnector {
  row: ConnectorRow;
  warnings: string[];
}

/**
 * CreateConnector: a new catalog row (and its first version) from the request's execution model, owned
 * by the caller's tenant.
 */
export async function createConnector(
  deps: CatalogDeps,
  caller: CatalogCaller,
  req: CreateConnectorRequest,
  options: CreateOptions = {},
): Promise<CreatedConnector> {
  requireSlug(req.name, "name");
  if (req.published && !caller.admin)
    throw new ConnectError("only an admin key may publish a connector", Code.PermissionDenied);
  const executionModel = req.executionModel;
  if (!isExecutionModel(executionModel)) {
    throw invalid(`execution_model must be one of ${EXECUTION_MODELS.join(", ")}`);
  }
  if (req.openapiDocument !== "" && req.executionModel !== "openapi")
    throw invalid("openapi_document is only accepted for openapi connectors");
  const em = deps.em();
  // Before any slow work (an import, an external connector's health check); the unique index decides
  // races within a tenant. A slug names one connector in the caller's view (its own, deleted ones
  // included: slugs are never reused, shared and published ones); a published one also in every other.
  const taken = await em.count(ConnectorEntity, {
    slug: req.name,
    $or: [
      { tenantId: caller.tenantId },
      { tenantId: null },
      { published: true, deletedAt: null },
      ...(req.published ? [{ deletedAt: null }] : []),
    ],
  });
  if (taken > 0) throw new ConnectError("a connector with this name already exists", Code.AlreadyExists);
  const fields =
    req.executionModel === "built_in"
      ? builtInFields(deps, req)
      : req.executionModel === "external"
        ? await externalFields(deps, req)
        : req.executionModel === "openapi"
          ? await openapiFields(deps, req, options)
          : scriptFields(req);
  parseVersion(fields.version);
  const scriptLimits = checkScriptLimits(req.scriptLimits);
  if (scriptLimits !== null && req.executionModel !== "script") {
    throw invalid("script_limits is only accepted for script connectors");
  }
  if (req.config !== undefined) {
    if (req.executionModel === "built_in")
      validateInstanceConfig(fields.configSchema.connectionConfig, req.config);
    else if (req.executionModel === "openapi") {
      // Shared settings only: each connection supplies the rest.
      validateInstanceConfig(fields.configSchema.connectionConfig, req.config, "config is invalid", {
        partial: true,
      });
      requireOAuthClient(deps, req.name, fields.authType, req.config);
    } else throw invalid("config is only accepted for built_in and openapi connectors");
  }
  const now = deps.now();
  const id = randomUUID();
  const configSchema = storedSchema(fields.configSchema);
  const row = em.create(ConnectorEntity, {
    id,
    tenantId: caller.tenantId,
    published: req.published,
    slug: req.name,
    name: req.displayName || fields.name || req.name,
    description: req.description || fields.description || "",
    type: fields.type,
    executionModel,
    authType: fields.authType,
    category: req.category,
    tags: [...req.tags],
    version: fields.version,
    configSchema,
    builtIn: false,
    availability: null,
    availabilityReason: null,
    sealedConfig:
      req.config === undefined ? null : deps.secretBox.seal(JSON.stringify(req.config), configContext(id)),
    endpointUrl: fields.endpointUrl,
    protocol: fields.protocol,
    scriptSource: fields.scriptSource,
    mockScenario: req.mockScenario || null,
    recordPayloads: req.recordPayloads,
    scriptLimits,
    openapiPlan: fields.openapiPlan ?? null,
    openapiOperations: fields.openapiOperations ?? null,
    oauthSettings: fields.oauthSettings ?? null,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  });
  try {
    // One transaction; the connector row is flushed before its version row references it.
    await em.transactional(async (tx) => {
      tx.persist(row);
      await tx.flush();
      tx.create(ConnectorVersionEntity, {
        id: randomUUID(),
        connectorId: id,
        version: fields.version,
        configSchema,
        scriptSource: fields.scriptSource,
        openapiPlan: fields.openapiPlan ?? null,
        createdAt: now,
      });
    });
  } catch (error) {
    // Two creators raced past the count: the unique slug constraint decides.
    if ((error as { code?: string }).code === "23505" || /unique|duplicate/i.test(String(error))) {
      throw new ConnectError(
        "a connector with this name already exists",
        Code.AlreadyExists,
        undefined,
        undefined,
        error,
      );
    }
    throw error;
  }
  return { row, warnings: fields.warnings ?? [] };
}
