import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import type { CreateConnectorRequest } from "../../gen/patchbay/v1/catalog_pb.ts";
import { isUniqueViolation } from "../db/index.ts";
import { invalidArgument } from "../protocol/errors.ts";
import { type CatalogCaller, requirePublisher } from "./catalog-access.ts";
import { type CatalogDeps, configContext } from "./catalog-deps.ts";
import { checkAgentPool } from "./check-agent-pool.ts";
import { checkPooledSecret } from "./check-pooled-secret.ts";
import { checkScriptLimits } from "./check-script-limits.ts";
import { ConnectorEntity, type ConnectorRow, ConnectorVersionEntity } from "./connector-entity.ts";
import { EXECUTION_MODELS, isExecutionModel } from "./execution-models.ts";
import { type CreateOptions, MOCK_SCENARIO_BUILT_IN_ONLY, modelFields } from "./model-fields.ts";
import { requireOAuthClient } from "./require-oauth-client.ts";
import { requireSlug } from "./slug.ts";
import { storedSchema } from "./stored-schema.ts";
import { validateInstanceConfig } from "./validate-instance-config.ts";
import { parseVersion } from "./versioning/index.ts";

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
  if (req.published) requirePublisher(caller);
  const executionModel = req.executionModel;
  if (!isExecutionModel(executionModel)) {
    throw invalidArgument(`execution_model must be one of ${EXECUTION_MODELS.join(", ")}`);
  }
  if (req.openapiDocument !== "" && req.executionModel !== "openapi")
    throw invalidArgument("openapi_document is only accepted for openapi connectors");
  // Only a built-in type carries in-code mock scenarios; any other model would run for real regardless.
  if (req.mockScenario !== "" && req.executionModel !== "built_in")
    throw invalidArgument(MOCK_SCENARIO_BUILT_IN_ONLY);
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
  const fields = await modelFields(deps, req, executionModel, caller.tenantId, options);
  parseVersion(fields.version);
  const scriptLimits = checkScriptLimits(req.scriptLimits);
  if (scriptLimits !== null && req.executionModel !== "script") {
    throw invalidArgument("script_limits is only accepted for script connectors");
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
    } else throw invalidArgument("config is only accepted for built_in and openapi connectors");
  }
  const agentPool = checkAgentPool(req.agentPool);
  checkPooledSecret(req.published, agentPool, fields.configSchema.connectionConfig, req.config ?? {});
  const now = deps.now();
  const id = randomUUID();
  const { configSchema, commandEffects } = storedSchema(fields.configSchema);
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
    commandEffects,
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
    agentPool,
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
        commandEffects,
        scriptSource: fields.scriptSource,
        openapiPlan: fields.openapiPlan ?? null,
        createdAt: now,
      });
    });
  } catch (error) {
    // Two creators raced past the count: the unique slug constraint decides.
    if (isUniqueViolation(error)) {
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
