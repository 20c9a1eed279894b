import { createHash, randomUUIDv7 } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { type Context, type Span, SpanKind } from "@opentelemetry/api";
import type { ExecuteRequest } from "../../gen/patchbay/v1/execute_pb.ts";
import { createAgentFetch, createAgentOutbound } from "../agents/index.ts";
import type { ConnectorView } from "../catalog/index.ts";
import { createConnectorLogger } from "../connections/index.ts";
import {
  type ConnectorResult,
  effectiveConfig,
  executeDefinition,
  type WebhookRegistrar,
} from "../connectors/index.ts";
import { SERVER_STOPPING } from "../protocol/server-stopping.ts";
import { createSecretScrubber, type SecretScrubber, secretValuesOf } from "../secrets/index.ts";
import { failSpan, type Tracing, traceContextKey, traceOutbound } from "../tracing/index.ts";
import { checkSecretRoute } from "./check-secret-route.ts";
import { type CollectedLogLine, collectLogLines } from "./collect-log-lines.ts";
import { commandDeprecation } from "./command-deprecation.ts";
import type { ExecuteDeps } from "./execute-deps.ts";
import { classifyFailure, type FailureClass } from "./failure-classes.ts";
import { type DeclaredCall, prepareDeclaredCommand } from "./prepare-declared-command.ts";
import { runExternal } from "./run-external.ts";
import { runOpenApi } from "./run-openapi.ts";
import { runScriptCommand } from "./run-script.ts";
import { SERVER_STOPPED } from "./runs-in-flight.ts";

/** What one run produced, before it becomes a response or an error; every string already scrubbed. */
export interface RunOutcome {
  executionId: string;
  durationMs: number;
  result: ConnectorResult;
  failureClass?: FailureClass;
  /** The command's deprecation notice when it is deprecated ({@link commandDeprecation}). */
  deprecation?: string;
  /** The connector's log lines of the run, when the caller asked for them (`return_log_lines`). */
  logLines?: CollectedLogLine[];
  /**
   * Set when a stop of the server ended the command before it finished (the result is then
   * SERVER_STOPPED, with {@link SERVER_STOPPED}'s message): the call is to be retried, on another replica,
   * and an idempotency key it claimed is let go rather than kept for that answer.
   */
  stoppedByServer?: true;
}

/** Who runs a command, with what: the caller's tenant and the connection's opened credentials. */
export interface RunContext {
  tenantId: string;
  /** Decrypted credentials of the connection ({} for connectors without auth). */
  credentials: Record<string, unknown>;
  webhooks?: WebhookRegistrar | undefined;
  /**
   * The run's abort controller, when something else may abort it too (the recorder, with
   * {@link SERVER_STOPPED}, when the server stops before the run is recorded); a new one otherwise.
   */
  controller?: AbortController | undefined;
}

/**
 * What dispatching a command needs of Execute's dependencies: no database, no connection user, so the
 * composition root can hand it to the connections feature (credential tests) before Execute exists.
 */
export type RunDeps = Pick<
  ExecuteDeps,
  | "logger"
  | "outbound"
  | "externalClients"
  | "agents"
  | "sandbox"
  | "openapiTokens"
  | "defaultTimeoutMs"
  | "metrics"
  | "tracing"
>;

/** The run's outcome and the scrubber its secrets made (for the record's params). */
export interface ScrubbedRun {
  outcome: RunOutcome;
  scrubber: SecretScrubber;
}

const MAX_MESSAGE = 200;
/**
 * The longest time budget a command gets, whatever `metadata.timeout_ms` asks (documented in
 * execute.proto and docs/execute.md). Timers cannot hold 2^31 ms or more: Node would fire them at once.
 */
export const MAX_TIMEOUT_MS = 15 * 60_000;
/** Execution models whose commands run from their stored schema rather than a built-in definition. */
const DECLARED_MODELS = new Set(["script", "external", "openapi"]);

/** The operator-safe text of a failure: one line, bounded. */
export function safeMessage(text: string | undefined): string {
  const line =
    (text ?? "command failed")
      .replace(EMAIL, "[email]")
      .replace(/[\r\n\t]+/g, " ")
      .trim() || "command failed";
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line;
}

// Personal data that provider error texts often quote back; failures never carry it.
const EMAIL = /[\w.+-]+@[\w-]+(\.[\w-]+)+/g;

/**
 * The scrubber of one execution: the exact values of its secrets. OAuth connections hand the command
 * an access token; API-key connections their credential fields; instance config its secret fields.
 * A field counts as secret when the schema says so, when its name says so, or when the schema does not
 * declare it at all.
 */
export function scrubberFor(connector: ConnectorView, credentials: Record<string, unknown>): SecretScrubber {
  const fields = connector.configSchema.connectionConfig ?? {};
  const declaredPublic = (key: string) => {
    const field = Object.hasOwn(fields, key) ? fields[key] : undefined;
    return field !== undefined && field.secret !== true && field.type !== "secret";
  };
  const fromCredentials =
    connector.authType === "oauth"
      ? [credentials.accessToken].filter((v): v is string => typeof v === "string")
      : secretValuesOf(credentials, declaredPublic);
  return createSecretScrubber([
    ...fromCredentials,
    ...secretValuesOf(connector.instanceConfig(), declaredPublic),
  ]);
}

/** A result with every string scrubbed of the execution's secrets. */
function scrubResult(result: ConnectorResult, scrubber: SecretScrubber): ConnectorResult {
  return scrubber.empty ? result : scrubber.value(result);
}

/**
 * The mock scenario that answers a call instead of its command: the call's own
 * (`metadata.mock_scenario`), else the connector's mock mode; undefined for a real run.
 */
export function mockScenarioOf(connector: ConnectorView, req: ExecuteRequest): string | undefined {
  return req.metadata?.mockScenario || connector.mockScenario || undefined;
}

/** A stable hash of what makes two requests "the same" for idempotency. */
export function requestHash(req: ExecuteRequest): string {
  // A mocked call and a real one are different requests; a real call hashes as it always did, so keys
  // claimed before the mock scenario existed still replay.
  const scenario = req.metadata?.mockScenario ?? "";
  const canonical = JSON.stringify([
    req.target.case,
    req.target.value,
    req.command,
    req.params ?? {},
    req.variables ?? {},
    ...(scenario === "" ? [] : [scenario]),
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/**
 * Runs a command, built-in or external, with the sooner of `metadata.timeout_ms` and the caller's own
 * deadline; when it passes the handler's signal aborts and the result is a DEADLINE_EXCEEDED failure
 * whatever the handler does afterwards.
 */
export async function runCommand(
  deps: RunDeps,
  ctx: Pick<HandlerContext, "timeoutMs" | "signal"> & { readonly values?: HandlerContext["values"] },
  connector: ConnectorView,
  req: ExecuteRequest,
  run: RunContext,
): Promise<ScrubbedRun> {
  const { credentials, webhooks } = run;
  const definition = connector.definition;
  if (definition === undefined && !DECLARED_MODELS.has(connector.executionModel)) {
    throw new ConnectError(
      `${connector.executionModel} connectors cannot run on this server yet`,
      Code.Unimplemented,
    );
  }
  const shared = connector.instanceConfig();
  checkSecretRoute(connector, shared, run.tenantId);
  // Time-ordered (RFC 9562 version 7): records are appended to the right edge of their primary key.
  const executionId = randomUUIDv7();
  // What is left of the caller's deadline; one already past is 0 ms left, not a negative time.
  const left = ctx.timeoutMs();
  const callerMs = left === undefined ? undefined : Math.max(0, left);
  const budget = Math.min(
    req.metadata?.timeoutMs || (deps.defaultTimeoutMs ?? 30_000),
    callerMs ?? Number.POSITIVE_INFINITY,
    MAX_TIMEOUT_MS,
  );
  // One controller for every end (the budget, the caller going away, the server stopping), undone when
  // the command returns: no timer or listener outlives the call on the hot path.
  const controller = run.controller ?? new AbortController();
  const signal = controller.signal;
  const timer = setTimeout(() => controller.abort(), Math.max(1, budget));
  const callerGone = () => controller.abort();
  if (ctx.signal.aborted) controller.abort();
  else ctx.signal.addEventListener("abort", callerGone, { once: true });
  const started = performance.now();
  // The caller's deadline ends the call either way: Connect aborts the call's signal with
  // DEADLINE_EXCEEDED, or the budget it bounded runs out first. Only another abort is a cancellation.
  const deadlineBound = callerMs !== undefined && budget === callerMs;
  // The result a stop of the server ended the run with, told from any the command returned by identity.
  let stopped: ConnectorResult | undefined;
  const timedOut = new Promise<ConnectorResult>((resolve) => {
    const done = () => {
      // Stopped by the server, not its caller: the runs a stop cancels, and the calls its grace period
      // ended halfway.
      if (signal.reason === SERVER_STOPPED || ctx.signal.reason === SERVER_STOPPING) {
        stopped = { success: false, error: SERVER_STOPPED.rawMessage, errorCode: "SERVER_STOPPED" };
        resolve(stopped);
        return;
      }
      const reason: unknown = ctx.signal.reason;
      const deadline = reason instanceof ConnectError && reason.code === Code.DeadlineExceeded;
      resolve(
        ctx.signal.aborted && !deadline
          ? { success: false, error: "the caller canceled the call", errorCode: "CANCELED" }
          : deadline || deadlineBound
            ? { success: false, error: `the call's deadline passed after ${budget} ms`, errorCode: "TIMEOUT" }
            : { success: false, error: `command timed out after ${budget} ms`, errorCode: "TIMEOUT" },
      );
    };
    if (signal.aborted) done();
    else signal.addEventListener("abort", done, { once: true });
  });
  // Every execution model alike: the instance config wins, and a connection never chooses where a shared
  // secret is sent (lockedFields).
  const config = effectiveConfig(connector.configSchema.connectionConfig, shared, credentials);
  // A connector naming an agent pool sends its HTTP requests through an agent of the calling tenant's
  // pool (never the connector owner's: a published connector runs other tenants' credentials); the
  // owner's shared secret never goes that way (checkSecretRoute).
  const route = connector.agentPool
    ? { tenantId: run.tenantId, pool: connector.agentPool, connector: connector.slug }
    : undefined;
  // The command's span (child of the call's), whose outbound requests are its children and carry it on.
  const traced = commandSpan(deps.tracing, ctx.values?.get(traceContextKey), connector, req.command);
  const direct = route ? createAgentOutbound(deps.agents, route, deps.outbound) : deps.outbound;
  const outbound =
    traced === undefined || deps.tracing === undefined
      ? direct
      : traceOutbound(direct, deps.tracing, traced.context);
  const scrubber = scrubberFor(connector, credentials);
  const variables = (req.variables ?? {}) as Record<string, unknown>;
  const stepId = req.metadata?.stepId ?? "";
  const runId = req.metadata?.runId ?? "";
  const logLines: CollectedLogLine[] | undefined = req.metadata?.returnLogLines === true ? [] : undefined;
  // Each line is scrubbed once, for the server log and the caller's copy alike.
  const logger = createConnectorLogger(
    deps.logger,
    connector.slug,
    scrubber,
    logLines === undefined ? undefined : collectLogLines(logLines),
  );
  // Here, not in each model's runner, so that every execution model warns alike (a deprecated command
  // keeps working and each call logs a warning); the record and the caller learn it too.
  const deprecation = commandDeprecation(connector, req.command);
  if (deprecation !== undefined) {
    logger.warn("deprecated command called", {
      connector: connector.slug,
      command: req.command || (definition?.defaultCommand ?? ""),
      deprecatedMessage: deprecation,
    });
  }
  const mockScenario = mockScenarioOf(connector, req);
  const start = (): Promise<ConnectorResult> => {
    if (definition !== undefined) {
      return executeDefinition(
        definition,
        {
          config: { ...(req.params ?? {}), command: req.command },
          connectorConfig: config,
          variables,
          stepId,
          runId,
          outbound,
        },
        {
          signal,
          logger,
          deprecationWarned: true,
          ...(mockScenario === undefined ? {} : { mockScenario }),
          ...(webhooks ? { webhooks } : {}),
        },
      );
    }
    // Only built-ins have in-code mock scenarios; running the real command instead would surprise a
    // caller who asked for no upstream request.
    if (req.metadata?.mockScenario) {
      return Promise.resolve({
        success: false,
        error: `mock_scenario is only accepted for built_in connectors, not ${connector.executionModel} ones`,
        errorCode: "MOCK_UNSUPPORTED",
      });
    }
    // Script, external and OpenAPI-derived connectors: the same param checks as built-ins, against the
    // stored schema.
    const prepared = prepareDeclaredCommand(
      connector.slug,
      connector.configSchema,
      req.command,
      (req.params ?? {}) as Record<string, unknown>,
    );
    if (!prepared.ok) return Promise.resolve(prepared.result);
    const call: DeclaredCall = {
      tenantId: run.tenantId,
      command: prepared.command,
      params: prepared.params,
      variables,
      config,
      stepId,
      runId,
      timeoutMs: Math.max(1, budget),
      signal,
      logger,
      addSecret: (value) => scrubber.add(value),
    };
    if (connector.executionModel === "script") {
      return runScriptCommand(deps.sandbox, connector, call, connector.agentPool ? outbound : undefined);
    }
    if (connector.executionModel === "openapi") {
      return runOpenApi(
        {
          send: (url, init) => outbound.request(url, init),
          fetch: deps.outbound.guard.fetch,
          tokens: deps.openapiTokens,
        },
        connector,
        call,
      );
    }
    return runExternal(
      deps.externalClients,
      connector,
      call,
      route ? createAgentFetch(deps.agents, route, call.timeoutMs) : undefined,
    );
  };
  // The command's database statements (an OpenAPI connector's token, say) are spans of its span.
  const work =
    traced === undefined || deps.tracing === undefined ? start() : deps.tracing.run(traced.context, start);
  let result: ConnectorResult;
  try {
    result = await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener("abort", callerGone);
  }
  const stoppedByServer = result === stopped;
  if (!result.success && result.errorCode === "HANDLER_THREW") {
    // An exception the connector did not map (errorMap) says whatever its thrower put in it, user
    // content included: callers, records and logs get a fixed text instead.
    logger.error("command threw an exception its connector does not map", { command: req.command });
    result = { ...result, error: "command failed unexpectedly" };
  }
  const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
  result = scrubResult(result, scrubber);
  const outcome: RunOutcome = { executionId, durationMs, result };
  if (!result.success) outcome.failureClass = classifyFailure(result);
  if (stoppedByServer) outcome.stoppedByServer = true;
  if (deprecation !== undefined) outcome.deprecation = deprecation;
  if (logLines !== undefined) outcome.logLines = logLines;
  deps.metrics?.executed({
    connector: connector.slug,
    tenantOwned: connector.tenantId !== null,
    command: req.command || (definition?.defaultCommand ?? ""),
    model: connector.executionModel,
    outcome: outcome.failureClass ?? "success",
    unknownCommand: result.errorCode === "UNKNOWN_COMMAND",
    mocked: mockScenario !== undefined,
    seconds: durationMs / 1000,
  });
  if (traced !== undefined) {
    if (outcome.failureClass !== undefined) {
      traced.span.setAttribute("patchbay.failure_class", outcome.failureClass);
      failSpan(traced.span, result.errorCode ?? outcome.failureClass);
    }
    traced.span.end();
  }
  return { outcome, scrubber };
}

/** The span of one command, when the call is traced: connector, command and execution model only. */
function commandSpan(
  tracing: Tracing | undefined,
  parent: Context | undefined,
  connector: ConnectorView,
  command: string,
): { span: Span; context: Context } | undefined {
  if (tracing === undefined || parent === undefined) return undefined;
  return tracing.start(
    "connector command",
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        "patchbay.connector": connector.slug,
        "patchbay.command": command.slice(0, 128),
        "patchbay.execution_model": connector.executionModel,
      },
    },
    parent,
  );
}
