import { fromJson, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type CommandSpecJson,
  type ConfigSchemaJson,
  ConfigSchemaSchema,
} from "../../../gen/patchbay/v1/common_pb.ts";
import type { AuthType } from "../define/auth-types.ts";
import type { OAuthSettings } from "../define/define-connector.ts";
import { deriveConnection } from "./connection-fields.ts";
import { createImportBudget } from "./import-budget.ts";
import { type DocumentLimits, MAX_OPERATIONS } from "./import-limits.ts";
import type { JsonLengthMemo } from "./json-length.ts";
import { isObject } from "./json-schema.ts";
import { loadDocument } from "./load-document.ts";
import { camelCase, createNameClaims, kebabCase } from "./names.ts";
import type { OpenApiPlan } from "./openapi-plan.ts";
import { operationCommand } from "./operation-command.ts";
import { createSchemaTable } from "./schema-table.ts";
import { shortText } from "./to-field.ts";
import { MAX_WARNINGS, moreWarnings } from "./warning-total.ts";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
/** Operation extension that names the operation the connector's `test` command (its value: `true`). */
export const TEST_MARK = "x-patchbay-test";
const PROGRESS_EVERY = 100;

/** Options of parseOpenApi. */
export interface ParseOpenApiOptions {
  /** Command names or operationIds to keep; empty or absent keeps every operation. */
  select?: readonly string[];
  /** Slug for the draft; defaults to a kebab-case form of info.title. */
  name?: string;
  /** Request field named in INVALID_ARGUMENT messages ("document" by default). */
  field?: string;
  /** The work a description may ask for; `DOCUMENT_LIMITS` by default (tests lower them). */
  limits?: DocumentLimits;
  /** Told when a stage starts, and every 100 operations while commands are built. */
  onProgress?: (progress: ImportProgress) => void;
}

/** Where an import is: parsing the text, validating and dereferencing, building commands. */
export interface ImportProgress {
  stage: "parsing" | "validating" | "building";
  /** Operations done and in all, while building. */
  done?: number;
  total?: number;
}

/** One operation and the command it became (the ParseOpenApi `OperationSummary`). */
export interface DraftOperation {
  operationId: string;
  command: string;
  method: string;
  path: string;
  summary: string;
}

/** A connector derived from an OpenAPI description, not yet stored. */
export interface OpenApiDraft {
  name: string;
  displayName: string;
  description: string;
  version: string;
  authType: AuthType;
  /** Connection fields and commands as proto JSON in `toJson`'s form, made in the import worker. */
  configSchema: ConfigSchemaJson;
  /** The authorization-code flow of the first OAuth 2 scheme that has one. */
  oauth?: OAuthSettings;
  /** Execution data (methods, paths, parameter locations and styles, bodies, security). */
  openapi: OpenApiPlan;
  /** Kept operations in document order. */
  operations: DraftOperation[];
  /** Operator-safe notes about what was skipped, renamed or simplified. */
  warnings: string[];
}

/**
 * Imports an OpenAPI 3.0 or 3.1 description (Swagger 2.0 is upgraded first) as a draft connector:
 * one command per operation, `servers` and security schemes as connection fields. Never fetches or
 * reads anything the document points at. Throws INVALID_ARGUMENT for a document it cannot use;
 * anything it can work around becomes a warning.
 */
export async function parseOpenApi(
  input: string | object,
  options: ParseOpenApiOptions = {},
): Promise<OpenApiDraft> {
  const field = options.field ?? "document";
  const progress = options.onProgress;
  progress?.({ stage: "parsing" });
  const loaded = await loadDocument(input, field, () => progress?.({ stage: "validating" }), options.limits);
  const { document } = loaded;
  const warnings = [...loaded.warnings];
  let dropped = 0;
  const warn = (text: string): void => {
    if (warnings.length < MAX_WARNINGS) warnings.push(text);
    else dropped++;
  };
  const connection = deriveConnection(document, warn);
  const claimCommand = createNameClaims();
  const select = new Set(options.select ?? []);
  const matched = new Set<string>();
  const commands: Record<string, CommandSpecJson> = {};
  const operations: DraftOperation[] = [];
  const plans: OpenApiPlan["operations"] = {};
  const memo: JsonLengthMemo = new WeakMap();
  const budget = createImportBudget(field, memo);
  const schemas = createSchemaTable(document, loaded.refTargets, { memo, onEntry: budget.add });
  let seen = 0;
  const total = progress === undefined ? 0 : countOperations(document.paths as Record<string, unknown>);
  progress?.({ stage: "building", done: 0, total });
  for (const [path, listed] of Object.entries(document.paths as Record<string, unknown>)) {
    const item = schemas.resolve(listed);
    if (!isObject(item)) continue;
    const pathParameters = Array.isArray(item.parameters) ? item.parameters : [];
    const pathServers = item.servers;
    for (const method of METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      if (progress !== undefined && seen > 0 && seen % PROGRESS_EVERY === 0)
        progress({ stage: "building", done: seen, total });
      if (++seen > MAX_OPERATIONS) {
        throw new ConnectError(
          `${field}: more than ${MAX_OPERATIONS} operations; import a subset`,
          Code.InvalidArgument,
        );
      }
      const declared =
        typeof operation.operationId === "string" && operation.operationId !== ""
          ? operation.operationId
          : undefined;
      const operationId = declared ?? `${method}_${path}`;
      // The operation marked as the credential test becomes the `test` command SubmitCredentials runs.
      const wanted =
        operation[TEST_MARK] === true
          ? "test"
          : camelCase(declared ?? `${method} ${path}`) || camelCase(`${method} operation`);
      const command = claimCommand(wanted);
      if (select.size > 0) {
        const hit = [command, operationId, wanted].filter((key) => select.has(key));
        if (hit.length === 0) continue;
        for (const key of hit) matched.add(key);
      }
      const where = `${method.toUpperCase()} ${path}`;
      if (declared === undefined) warn(`${where}: no operationId; command named '${command}'`);
      if (command !== wanted) warn(`${where}: command name '${wanted}' is taken; named '${command}'`);
      const source = { method, path, operation, pathParameters, pathServers };
      const built = operationCommand(source, where, schemas, warn);
      built.plan.operationId = operationId;
      budget.add(built.command);
      budget.add(built.plan);
      commands[command] = built.command;
      plans[command] = built.plan;
      operations.push({
        operationId,
        command,
        method: method.toUpperCase(),
        path,
        summary: shortText(operation.summary),
      });
    }
  }
  for (const key of select)
    if (!matched.has(key)) warn(`select: no operation or command named '${key.slice(0, 100)}'`);
  for (const ref of schemas.unresolved)
    warn(`schema reference ${ref.slice(0, 200)} resolves to nothing; any value is accepted there`);
  if (schemas.deep > 0) warn(`${schemas.deep} schema parts nested more than the copy depth limit were cut`);
  if (operations.length === 0) warn("no operations were kept");
  if (dropped > 0) warnings.push(moreWarnings(dropped));

  const info = isObject(document.info) ? document.info : {};
  const title = typeof info.title === "string" ? info.title : "";
  const infoVersion = typeof info.version === "string" ? info.version : "";
  const name = options.name || kebabCase(title) || "openapi-connector";
  const plan: OpenApiPlan = {
    format: 2,
    openapi: String(document.openapi),
    baseUrl: connection.baseUrl,
    securitySchemes: connection.securitySchemes,
    security: Array.isArray(document.security) ? (document.security as OpenApiPlan["security"]) : [],
    operations: plans,
    schemas: schemas.schemas,
  };
  const built = { connectionConfig: connection.connectionConfig, commands };
  budget.check(plan, built);
  const configSchema = toJson(ConfigSchemaSchema, fromJson(ConfigSchemaSchema, built));
  return {
    name,
    displayName: title.slice(0, 200) || name,
    description: shortText(info.description, title),
    version: /^\d+\.\d+\.\d+$/.test(infoVersion) ? infoVersion : "1.0.0",
    authType: connection.authType,
    configSchema,
    ...(connection.oauth !== undefined ? { oauth: connection.oauth } : {}),
    openapi: plan,
    operations,
    warnings,
  };
}

function countOperations(paths: Record<string, unknown>): number {
  let count = 0;
  for (const item of Object.values(paths))
    if (isObject(item)) for (const method of METHODS) if (isObject(item[method])) count++;
  return count;
}
