import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import type { UpdateConnectorRequest } from "../../gen/patchbay/v1/catalog_pb.ts";
import { type OpenApiPlan, requestFingerprint } from "../connectors/openapi/index.ts";
import { isUniqueViolation } from "../db/index.ts";
import { invalidArgument } from "../protocol/errors.ts";
import {
  type CatalogCaller,
  findVisibleConnector,
  requirePublisher,
  requireWritable,
} from "./catalog-access.ts";
import { type CatalogDeps, configContext, openInstanceConfig } from "./catalog-deps.ts";
import { checkAgentPool } from "./check-agent-pool.ts";
import { checkConfigSchema } from "./check-config-schema.ts";
import { checkExternalEndpoint } from "./check-external-endpoint.ts";
import { checkPooledSecret } from "./check-pooled-secret.ts";
import { checkScriptLimits } from "./check-script-limits.ts";
import { ConnectorEntity, type ConnectorRow, ConnectorVersionEntity } from "./connector-entity.ts";
import { type ImportedOpenApi, importOpenApiDocument } from "./import-openapi-document.ts";
import { type CreateOptions, checkMockScenario, MOCK_SCENARIO_BUILT_IN_ONLY } from "./model-fields.ts";
import { requireOAuthClient } from "./require-oauth-client.ts";
import { requireSlug } from "./slug.ts";
import { schemaOfRow, storedSchema } from "./stored-schema.ts";
import { validateInstanceConfig } from "./validate-instance-config.ts";
import { checkVersionBump, type RequiredBump, type SchemaChange } from "./versioning/index.ts";

/** What UpdateConnector changed. */
export interface UpdatedConnector {
  row: ConnectorRow;
  previousVersion: string;
  requiredBump: RequiredBump;
  /** What an OpenAPI re-import reported. */
  warnings: string[];
}

/**
 * UpdateConnector with merge semantics. A new schema is diffed against the stored one and the version
 * must clear the floor seed 004 sets (FAILED_PRECONDITION naming each breaking change), or `auto_bump`
 * picks it. Built-in types change only by deploying code; a built-in instance's schema is its type's.
 */
export async function updateConnector(
  deps: CatalogDeps,
  caller: CatalogCaller,
  req: UpdateConnectorRequest,
  options: CreateOptions = {},
): Promise<UpdatedConnector> {
  requireSlug(req.slug);
  const em = deps.em();
  const row = await findVisibleConnector(em, caller.tenantId, req.slug, { populate: ["openapiPlan"] });
  if (row === undefined) throw new ConnectError("connector not found", Code.NotFound);
  if (row.builtIn) {
    throw new ConnectError(
      "built-in connector types change with a server deployment; create an instance with CreateConnector instead",
      Code.FailedPrecondition,
    );
  }
  requireWritable(caller, row);
  await checkPublishing(deps, caller, row, req.published);
  await checkRunsForOthers(deps, caller, row, req);
  const isInstance = row.executionModel === "built_in";
  if (req.configSchema !== undefined && isInstance) {
    throw invalidArgument("config_schema cannot change for a built_in instance: its schema is its type's");
  }
  if (req.mockScenario !== undefined && req.mockScenario !== "") {
    if (!isInstance) throw invalidArgument(MOCK_SCENARIO_BUILT_IN_ONLY);
    // As at creation: a mock mode its type has no scenario for would fail every call.
    const definition = deps.builtins.get(row.type);
    if (definition !== undefined) checkMockScenario(definition, req.mockScenario);
  }
  if (req.scriptSource !== undefined && row.executionModel !== "script")
    throw invalidArgument("script_source is only for script connectors");
  if ((req.endpointUrl !== undefined || req.protocol !== undefined) && row.executionModel !== "external")
    throw invalidArgument("endpoint_url and protocol are only for external connectors");
  const pool = req.agentPool === undefined ? (row.agentPool ?? null) : checkAgentPool(req.agentPool);
  // A new endpoint, protocol or agent pool of an external connector passes the same checks as at
  // registration, along the route its calls will take: URL, egress policy or agent, health.
  const endpoint =
    req.endpointUrl !== undefined ||
    req.protocol !== undefined ||
    (row.executionModel === "external" && pool !== (row.agentPool ?? null))
      ? await checkExternalEndpoint(
          { guard: deps.outbound.guard, agents: deps.agents },
          req.endpointUrl ?? row.endpointUrl ?? "",
          req.protocol ?? row.protocol ?? "",
          pool === null ? undefined : { tenantId: caller.tenantId, pool, connector: row.slug },
          async () => undefined,
        )
      : undefined;
  const imported = await reimportOpenApi(deps, row, req, options);
  // The import took a while (seconds for a large document): a concurrent update in between would be
  // overwritten, so it is refused instead.
  if (imported !== undefined) {
    const current = await deps.em().findOne(ConnectorEntity, { id: row.id }, { fields: ["id", "updatedAt"] });
    if (current?.updatedAt.getTime() !== row.updatedAt.getTime())
      throw new ConnectError("the connector changed during the import; send the update again", Code.Aborted);
  }
  const previousSchema = schemaOfRow(row);
  const nextSchema =
    imported !== undefined
      ? imported.configSchema
      : req.configSchema === undefined
        ? previousSchema
        : checkConfigSchema(req.configSchema);
  const bump = checkVersionBump({
    previousVersion: row.version,
    nextVersion: req.version,
    previousSchema,
    nextSchema,
    autoBump: req.autoBump,
    extraChanges: imported === undefined ? [] : requestChanges(row.openapiPlan, imported.plan),
  });
  if (!bump.ok) throw new ConnectError(bump.message, Code.FailedPrecondition);
  if (req.published !== undefined || req.agentPool !== undefined || req.config !== undefined) {
    checkPooledSecret(
      req.published ?? row.published,
      pool,
      nextSchema.connectionConfig,
      req.config ?? openInstanceConfig(deps.secretBox, row),
    );
  }

  const previousVersion = row.version;
  const now = deps.now();
  if (req.config !== undefined) {
    if (!isInstance && row.executionModel !== "openapi")
      throw invalidArgument("config is only accepted for built_in and openapi connectors");
    validateInstanceConfig(nextSchema.connectionConfig, req.config, "config is invalid", {
      partial: row.executionModel === "openapi",
    });
    if (row.executionModel === "openapi")
      requireOAuthClient(deps, row.slug, imported?.draft.authType ?? row.authType, req.config);
    row.sealedConfig = deps.secretBox.seal(JSON.stringify(req.config), configContext(row.id));
  }
  if (req.displayName !== undefined) row.name = req.displayName || row.slug;
  if (req.description !== undefined) row.description = req.description;
  if (req.category !== undefined) row.category = req.category;
  if (req.tags.length > 0) row.tags = [...req.tags];
  if (req.scriptSource !== undefined) row.scriptSource = req.scriptSource;
  if (endpoint !== undefined) {
    row.endpointUrl = endpoint.endpointUrl;
    row.protocol = endpoint.protocol;
  }
  if (req.published !== undefined) row.published = req.published;
  if (req.mockScenario !== undefined) row.mockScenario = req.mockScenario || null;
  if (req.recordPayloads !== undefined) row.recordPayloads = req.recordPayloads;
  if (req.agentPool !== undefined) row.agentPool = pool;
  if (req.scriptLimits !== undefined) {
    if (row.executionModel !== "script") {
      throw new ConnectError("script_limits is only accepted for script connectors", Code.InvalidArgument);
    }
    row.scriptLimits = checkScriptLimits(req.scriptLimits);
  }
  if (imported !== undefined && req.config === undefined && imported.draft.authType !== row.authType) {
    // A re-import that makes the connector OAuth needs the client, like a new one does.
    requireOAuthClient(deps, row.slug, imported.draft.authType, openInstanceConfig(deps.secretBox, row));
  }
  if (imported !== undefined) {
    row.openapiPlan = imported.plan;
    row.authType = imported.draft.authType;
    row.oauthSettings = imported.oauth;
    if (req.operations.length > 0) row.openapiOperations = imported.operations;
  }
  const stored = storedSchema(nextSchema);
  row.configSchema = stored.configSchema;
  row.commandEffects = stored.commandEffects;
  row.version = bump.version;
  row.updatedAt = now;
  await em
    .transactional(async (tx) => {
      if (bump.version !== previousVersion) {
        tx.create(ConnectorVersionEntity, {
          id: randomUUID(),
          connectorId: row.id,
          version: bump.version,
          configSchema: stored.configSchema,
          commandEffects: stored.commandEffects,
          scriptSource: row.scriptSource ?? null,
          openapiPlan: row.openapiPlan ?? null,
          createdAt: now,
        });
      } else if (req.scriptSource !== undefined) {
        // Same version, new script: keep the stored version in step with what runs. (An OpenAPI plan
        // that changes is at least a patch, so it always gets a version row of its own.)
        await tx.nativeUpdate(
          ConnectorVersionEntity,
          { connectorId: row.id, version: bump.version },
          { scriptSource: req.scriptSource },
        );
      }
      tx.persist(row);
      await tx.flush();
    })
    .catch((error: unknown) => {
      // Two admins published one slug at once: the shared-slug index keeps one.
      if (isUniqueViolation(error, "connectors_shared_slug_unique")) {
        throw new ConnectError(
          "another tenant's connector with this slug is shared: it cannot be published",
          Code.FailedPrecondition,
          undefined,
          undefined,
          error,
        );
      }
      throw error;
    });
  return { row, previousVersion, requiredBump: bump.required, warnings: imported?.draft.warnings ?? [] };
}

/**
 * Commands whose HTTP request changed (method, path, parameter locations or styles, body, security):
 * a patch each, so the version history says which plan ran under which version.
 */
function requestChanges(previous: OpenApiPlan | null | undefined, next: OpenApiPlan): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const before = previous?.operations ?? {};
  for (const command of Object.keys(next.operations)) {
    if (previous == null || !Object.hasOwn(before, command)) continue; // an added command is the schema diff's
    // The fingerprint covers the shared schemas the operation reaches (plan format 2 stores them once),
    // the base URL and security, and ignores key order (jsonb reorders a stored plan's keys).
    if (requestFingerprint(previous, command) !== requestFingerprint(next, command)) {
      changes.push({
        level: "patch",
        kind: "request_changed",
        command,
        message: `command '${command}' sends a different HTTP request (method, path, parameters, body or security)`,
      });
    }
  }
  return changes;
}

/**
 * An openapi connector's re-import from a new `openapi_document` (the document is not stored, so a new
 * selection needs it too); undefined when the request changes neither.
 */
async function reimportOpenApi(
  deps: CatalogDeps,
  row: ConnectorRow,
  req: UpdateConnectorRequest,
  options: CreateOptions,
): Promise<ImportedOpenApi | undefined> {
  const isOpenApi = row.executionModel === "openapi";
  if (!isOpenApi) {
    if (req.openapiDocument !== undefined || req.operations.length > 0)
      throw invalidArgument("openapi_document and operations are only for openapi connectors");
    return undefined;
  }
  if (req.configSchema !== undefined) {
    throw invalidArgument(
      "config_schema of an openapi connector is derived from its document; send openapi_document (and operations) instead",
    );
  }
  if (req.openapiDocument === undefined) {
    if (req.operations.length > 0)
      throw invalidArgument(
        "operations needs openapi_document: the description is not stored, only what it became",
      );
    return undefined;
  }
  const select = req.operations.length > 0 ? req.operations : (row.openapiOperations ?? []);
  return importOpenApiDocument(
    deps.openapi,
    req.openapiDocument,
    select,
    row.slug,
    options.onProgress,
    options.signal,
  );
}

/**
 * Publishing and withdrawing are admin decisions. A connector is published only when no other tenant
 * has a live connector of that slug (a slug names one connector in every tenant's view), and withdrawn
 * only while no other tenant's live connection uses it.
 */
async function checkPublishing(
  deps: CatalogDeps,
  caller: CatalogCaller,
  row: ConnectorRow,
  published: boolean | undefined,
): Promise<void> {
  if (published === undefined || published === row.published) return;
  if (!caller.admin)
    throw new ConnectError("only an admin key may publish or withdraw a connector", Code.PermissionDenied);
  // Withdrawing is the owner's (an earlier release let any tenant's admin publish); publishing, the operator's.
  if (published) requirePublisher(caller);
  if (published) {
    const clash = await deps
      .em()
      .count(ConnectorEntity, { slug: row.slug, id: { $ne: row.id }, deletedAt: null });
    if (clash > 0) {
      throw new ConnectError(
        "another tenant has a connector with this slug: it cannot be published",
        Code.FailedPrecondition,
      );
    }
  } else if ((await deps.liveConnections(row.id, { exceptTenant: row.tenantId ?? "" })) > 0) {
    throw new ConnectError(
      "other tenants' live connections use this connector: it cannot be withdrawn",
      Code.FailedPrecondition,
    );
  }
}

/** Whether an update changes what the connector runs, or where, or what it keeps of a call. */
function changesWhatRuns(req: UpdateConnectorRequest): boolean {
  return (
    req.scriptSource !== undefined ||
    req.endpointUrl !== undefined ||
    req.protocol !== undefined ||
    req.config !== undefined ||
    req.configSchema !== undefined ||
    req.openapiDocument !== undefined ||
    req.operations.length > 0 ||
    req.recordPayloads !== undefined ||
    req.agentPool !== undefined ||
    req.mockScenario !== undefined ||
    req.scriptLimits !== undefined
  );
}

/**
 * A connector's code and endpoint run with the credentials of everyone connected to it: changing them
 * (or turning on payload recording) while other subjects' live connections use the connector needs an
 * admin key, so `catalog:write` alone never reaches another person's credentials. Display fields
 * (name, description, category, tags) stay with `catalog:write`.
 */
async function checkRunsForOthers(
  deps: CatalogDeps,
  caller: CatalogCaller,
  row: ConnectorRow,
  req: UpdateConnectorRequest,
): Promise<void> {
  if (caller.admin || !changesWhatRuns(req)) return;
  const others = await deps.liveConnections(row.id, {
    exceptSubject: { tenantId: caller.tenantId, subject: caller.subject },
  });
  if (others > 0) {
    throw new ConnectError(
      "other users' live connections run this connector: changing what it runs needs an admin key",
      Code.PermissionDenied,
    );
  }
}

/**
 * DeleteConnector: soft delete (the row and its versions stay for history and running references),
 * refused while live connections of any tenant use it.
 */
export async function deleteConnector(deps: CatalogDeps, caller: CatalogCaller, slug: string): Promise<void> {
  requireSlug(slug);
  const em = deps.em();
  const row = await findVisibleConnector(em, caller.tenantId, slug);
  if (row === undefined) throw new ConnectError("connector not found", Code.NotFound);
  if (row.builtIn) {
    throw new ConnectError(
      "built-in connector types cannot be deleted; remove them from the server build",
      Code.FailedPrecondition,
    );
  }
  requireWritable(caller, row);
  if ((await deps.liveConnections(row.id)) > 0) {
    throw new ConnectError("live connections use this connector: delete them first", Code.FailedPrecondition);
  }
  row.deletedAt = deps.now();
  await em.flush();
}
