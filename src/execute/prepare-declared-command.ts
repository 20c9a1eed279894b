import type { ConfigSchemaJson } from "../../gen/patchbay/v1/common_pb.ts";
import { type ConnectorLogger, type ConnectorResult, isMissing, valueProblem } from "../connectors/index.ts";

/**
 * One call of a connector that runs outside this process's definitions (script or external): the
 * command and its params already checked by {@link prepareDeclaredCommand}.
 */
export interface DeclaredCall {
  /** The calling key's tenant: sandboxes never share state between tenants. */
  tenantId: string;
  command: string;
  params: Record<string, unknown>;
  variables: Record<string, unknown>;
  /** The instance config over the connection's decrypted credentials (`effectiveConfig`); secret. */
  config: Record<string, unknown>;
  stepId: string;
  runId: string;
  /** The call's remaining time budget. */
  timeoutMs: number;
  signal: AbortSignal;
  logger: ConnectorLogger;
  /** A secret learnt during the call (a token it fetched): scrubbed from everything that leaves it. */
  addSecret(value: string): void;
}

/** A command checked against a stored schema: its params with defaults, or the failure to report. */
export type DeclaredCommand =
  | { ok: true; command: string; params: Record<string, unknown> }
  | { ok: false; result: ConnectorResult };

function failure(error: string, errorCode: string): DeclaredCommand {
  return { ok: false, result: { success: false, error, errorCode } };
}

/**
 * The dispatcher's checks for a connector that runs elsewhere (external): the command exists, defaults
 * are applied, required params are present and declared types hold, before anything is sent. Messages
 * name fields and rules, never values; the same error codes as built-ins.
 */
export function prepareDeclaredCommand(
  slug: string,
  schema: ConfigSchemaJson,
  command: string,
  given: Record<string, unknown>,
): DeclaredCommand {
  const commands = schema.commands ?? {};
  const known = Object.keys(commands);
  if (command === "") return failure(`No command given. Known commands: ${known.join(", ")}`, "NO_COMMAND");
  const declared = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (declared === undefined) {
    return failure(
      `Unknown command '${command.slice(0, 64)}' for connector '${slug}'. Known commands: ${known.join(", ")}`,
      "UNKNOWN_COMMAND",
    );
  }
  const params: Record<string, unknown> = { ...given };
  const missing: string[] = [];
  const invalid: string[] = [];
  // In the command's declared param order: stored schemas are jsonb, whose key order is not the author's.
  // Proto JSON leaves out empty lists and maps.
  const paramSchema = declared.paramSchema ?? {};
  const order = [...new Set([...(declared.params ?? []), ...Object.keys(paramSchema)])];
  for (const key of order) {
    const field = Object.hasOwn(paramSchema, key) ? paramSchema[key] : undefined;
    if (field === undefined) continue;
    if (isMissing(params[key]) && field.default !== undefined) params[key] = field.default;
    if (isMissing(params[key])) {
      if (field.required) missing.push(key);
      delete params[key];
      continue;
    }
    const problem = valueProblem(field.type ?? "string", field.options, params[key]);
    if (problem !== undefined) invalid.push(`${key} ${problem}`);
  }
  if (missing.length > 0)
    return failure(`Missing required field(s): ${missing.join(", ")}`, "MISSING_REQUIRED_FIELDS");
  if (invalid.length > 0) return failure(`Invalid field(s): ${invalid.join("; ")}`, "INVALID_PARAMS");
  return { ok: true, command, params };
}
