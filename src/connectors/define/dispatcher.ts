import { OutboundError } from "../../outbound/outbound-error.ts";
import type {
  CommandDefinition,
  ConnectorContext,
  ConnectorDefinition,
  ConnectorLogger,
  WebhookRegistrar,
} from "./define-connector.ts";
import { type FieldMap, fieldProblem, isMissing } from "./fields.ts";
import { type ConnectorResult, type JsonObject, outcomeToResult } from "./outcome.ts";

/** Options for {@link executeDefinition}. */
export interface ExecuteOptions {
  /** Connector log lines; discarded when absent. */
  logger?: ConnectorLogger;
  /** Aborts the handler's work (deadline, timeout, caller gone). */
  signal?: AbortSignal;
  /**
   * Answer from this in-code mock scenario instead of running the handler (an Execute call's
   * `mock_scenario`, or connector-level mock mode).
   */
  mockScenario?: string;
  /** Webhook endpoint management, for setup commands. */
  webhooks?: WebhookRegistrar;
  /**
   * The caller warns of deprecated commands itself: the server does, in one place for every execution
   * model, and marks the execution record. Without a server (unit tests) the dispatcher warns.
   */
  deprecationWarned?: boolean;
}

const SILENT: ConnectorLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** A command chosen and its params checked, ready to run; or the failure that stopped it. */
export type PreparedCommand =
  | { ok: true; name: string; command: CommandDefinition<FieldMap, unknown>; params: JsonObject }
  | { ok: false; result: ConnectorResult };

function failure(error: string, errorCode: string): { ok: false; result: ConnectorResult } {
  return { ok: false, result: { success: false, error, errorCode } };
}

/**
 * Picks the command (`config.command`, else `defaultCommand`) and builds its params from the rest of
 * `config`: defaults applied, required ones checked (`Missing required field(s): a, b`), declared types
 * checked. Messages name fields and rules, never values.
 */
export function prepareCommand(definition: ConnectorDefinition, config: JsonObject): PreparedCommand {
  const { command: named, ...given } = config;
  const known = Object.keys(definition.commands);
  if (named !== undefined && named !== null && typeof named !== "string") {
    return failure("command must be a string", "INVALID_PARAMS");
  }
  const name = typeof named === "string" && named !== "" ? named : definition.defaultCommand;
  if (name === undefined)
    return failure(`No command given. Known commands: ${known.join(", ")}`, "NO_COMMAND");
  if (!Object.hasOwn(definition.commands, name)) {
    return failure(
      `Unknown command '${name.slice(0, 64)}' for connector '${definition.name}'. Known commands: ${known.join(", ")}`,
      "UNKNOWN_COMMAND",
    );
  }
  const command = definition.commands[name] as CommandDefinition<FieldMap, unknown>;
  const params: JsonObject = { ...given };
  const missing: string[] = [];
  const invalid: string[] = [];
  for (const [key, field] of Object.entries(command.params)) {
    if (isMissing(params[key]) && field.default !== undefined) params[key] = field.default;
    if (isMissing(params[key])) {
      if (field.required) missing.push(key);
      delete params[key];
      continue;
    }
    const problem = fieldProblem(field, params[key]);
    if (problem !== undefined) invalid.push(`${key} ${problem}`);
  }
  if (missing.length > 0)
    return failure(`Missing required field(s): ${missing.join(", ")}`, "MISSING_REQUIRED_FIELDS");
  if (invalid.length > 0) return failure(`Invalid field(s): ${invalid.join("; ")}`, "INVALID_PARAMS");
  return { ok: true, name, command, params };
}

/**
 * Runs one command of a definition and normalizes its outcome (seed 004): the handler's return value
 * through {@link outcomeToResult}; a thrown error through the connector's `errorMap`, else its message.
 * Works without a server, for unit tests: `executeDefinition(widgetConnector, { config: { command:
 * "listWidgets", limit: 10 }, connectorConfig, variables: {}, stepId: "s", runId: "r", outbound })`
 * with an outbound client of the test's own (`createOutboundClient({ allow: ["127.0.0.1/32"] })`).
 */
export async function executeDefinition(
  definition: ConnectorDefinition,
  context: ConnectorContext,
  options: ExecuteOptions = {},
): Promise<ConnectorResult> {
  const logger = options.logger ?? SILENT;
  const prepared = prepareCommand(definition, context.config);
  if (!prepared.ok) return prepared.result;
  const { name, command, params } = prepared;
  if (command.deprecated && options.deprecationWarned !== true) {
    logger.warn("deprecated command called", {
      connector: definition.name,
      command: name,
      ...(command.deprecatedMessage ? { deprecatedMessage: command.deprecatedMessage } : {}),
    });
  }
  try {
    if (options.mockScenario !== undefined) {
      // Own keys only: "constructor" or "toString" must not reach Object.prototype's functions.
      const mocks = command.mock ?? {};
      const scenario = Object.hasOwn(mocks, options.mockScenario) ? mocks[options.mockScenario] : undefined;
      if (scenario === undefined) {
        return {
          success: false,
          error: `Command '${name}' has no mock scenario '${options.mockScenario.slice(0, 64)}'`,
          errorCode: "NO_MOCK_SCENARIO",
        };
      }
      return outcomeToResult(await scenario({ params }));
    }
    const outcome = await command.handler({
      params,
      connection: context.connectorConfig,
      logger,
      context,
      signal: options.signal ?? new AbortController().signal,
      ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    });
    return outcomeToResult(outcome);
  } catch (error) {
    return thrownToResult(definition, error);
  }
}

/** A thrown error as a failure: through `errorMap` when it maps it, else its message. */
function thrownToResult(definition: ConnectorDefinition, error: unknown): ConnectorResult {
  let mapped: ReturnType<NonNullable<ConnectorDefinition["errorMap"]>> = null;
  try {
    mapped = definition.errorMap?.(error) ?? null;
  } catch {
    // An errorMap that throws must not turn a command failure into a dispatcher crash.
    mapped = null;
  }
  if (mapped !== null) {
    return {
      success: false,
      error: mapped.error,
      ...(mapped.diagnostics ? { diagnostics: mapped.diagnostics } : {}),
    };
  }
  // The outbound client's failures carry an operator-safe message and their own class.
  if (error instanceof OutboundError) {
    return {
      success: false,
      error: error.message,
      errorCode: error.code === "TIMEOUT" ? "UPSTREAM_TIMEOUT" : error.code,
    };
  }
  return {
    success: false,
    error: error instanceof Error ? error.message : String(error),
    errorCode: "HANDLER_THREW",
  };
}
