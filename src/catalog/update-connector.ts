import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import type { UpdateConnectorRequest } from "../../gen/patchbay/v1/catalog_pb.ts";
import { type CatalogDeps, configContext } from "./catalog-deps.ts";
import { toStoredSchema } from "./config-schema-convert.ts";
import { ConnectorEntity, type ConnectorRow, ConnectorVersionEntity } from "./connector-entity.ts";
import { toStoredScriptLimits } from "./script-limits-convert.ts";
import { requireSlug } from "./slug.ts";
import { validateInstanceConfig } from "./validate-instance-config.ts";
import { checkVersionBump, type RequiredBump } from "./versioning/index.ts";

/** What UpdateConnector changed. */
export interface UpdatedConnector {
  row: ConnectorRow;
  previousVersion: string;
  requiredBump: RequiredBump;
}

function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

/**
 * UpdateConnector with merge semantics. A new schema is diffed against the stored one and the version
 * must clear the floor seed 004 sets (FAILED_PRECONDITION naming each breaking change), or `auto_bump`
 * picks it. Built-in types change only by deploying code; a built-in instance's schema is its type's.
 */
export async function updateConnector(
  deps: CatalogDeps,
  req: UpdateConnectorRequest,
): Promise<UpdatedConnector> {
  requireSlug(req.slug);
  const em = deps.em();
  const row = await em.findOne(ConnectorEntity, { slug: req.slug, deletedAt: null });
  if (row === null) throw new ConnectError("connector not found", Code.NotFound);
  if (row.builtIn) {
    throw new ConnectError(
      "built-in connector types change with a server deployment; create an instance with CreateConnector instead",
      Code.FailedPrecondition,
    );
  }
  const isInstance = row.executionModel === "built_in";
  if (req.configSchema !== undefined && isInstance) {
    throw invalid("config_schema cannot change for a built_in instance: its schema is its type's");
  }
  if (req.scriptSource !== undefined && row.executionModel !== "script")
    throw invalid("script_source is only for script connectors");
  if (req.endpointUrl !== undefined && row.executionModel !== "external")
    throw invalid("endpoint_url is only for external connectors");
  const nextSchema = req.configSchema === undefined ? row.configSchema : toStoredSchema(req.configSchema);
  const bump = checkVersionBump({
    previousVersion: row.version,
    nextVersion: req.version,
    previousSchema: row.configSchema,
    nextSchema,
    autoBump: req.autoBump,
  });
  if (!bump.ok) throw new ConnectError(bump.message, Code.FailedPrecondition);

  const previousVersion = row.version;
  const now = (deps.now ?? (() => new Date()))();
  if (req.config !== undefined) {
    if (!isInstance) throw invalid("config is only accepted for built_in connector instances");
    validateInstanceConfig(nextSchema.connectionConfig, req.config);
    row.sealedConfig = deps.secretBox.seal(JSON.stringify(req.config), configContext(row.id));
  }
  if (req.displayName !== undefined) row.name = req.displayName || row.slug;
  if (req.description !== undefined) row.description = req.description;
  if (req.category !== undefined) row.category = req.category;
  if (req.tags.length > 0) row.tags = [...req.tags];
  if (req.scriptSource !== undefined) row.scriptSource = req.scriptSource;
  if (req.endpointUrl !== undefined) row.endpointUrl = req.endpointUrl;
  if (req.mockScenario !== undefined) row.mockScenario = req.mockScenario || null;
  if (req.recordPayloads !== undefined) row.recordPayloads = req.recordPayloads;
  if (req.scriptLimits !== undefined) {
    if (row.executionModel !== "script") {
      throw new ConnectError("script_limits is only accepted for script connectors", Code.InvalidArgument);
    }
    row.scriptLimits = toStoredScriptLimits(req.scriptLimits);
  }
  row.configSchema = nextSchema;
  row.version = bump.version;
  row.updatedAt = now;
  if (bump.version !== previousVersion) {
    em.create(ConnectorVersionEntity, {
      id: randomUUID(),
      connectorId: row.id,
      version: bump.version,
      configSchema: nextSchema,
      scriptSource: row.scriptSource ?? null,
      createdAt: now,
    });
  } else if (req.scriptSource !== undefined) {
    // Same version, new script: keep the stored version in step with what runs.
    await em.nativeUpdate(
      ConnectorVersionEntity,
      { connectorId: row.id, version: bump.version },
      { scriptSource: req.scriptSource },
    );
  }
  await em.flush();
  return { row, previousVersion, requiredBump: bump.required };
}

/** DeleteConnector: soft delete (the row and its versions stay for history and running references). */
export async function deleteConnector(deps: CatalogDeps, slug: string): Promise<void> {
  requireSlug(slug);
  const em = deps.em();
  const row = await em.findOne(ConnectorEntity, { slug, deletedAt: null });
  if (row === null) throw new ConnectError("connector not found", Code.NotFound);
  if (row.builtIn) {
    throw new ConnectError(
      "built-in connector types cannot be deleted; remove them from the server build",
      Code.FailedPrecondition,
    );
  }
  row.deletedAt = (deps.now ?? (() => new Date()))();
  await em.flush();
}
