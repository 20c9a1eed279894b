import type { ExecuteRequest } from "../../gen/patchbay/v1/execute_pb.ts";
import type { Principal } from "../auth/index.ts";
import type { ConnectorView } from "../catalog/index.ts";
import { codeName } from "../protocol/errors.ts";
import type { SecretScrubber } from "../secrets/index.ts";
import type { ExecuteDeps } from "./execute-deps.ts";
import type { ExecutionRow } from "./execution-entity.ts";
import { CODE_BY_FAILURE_CLASS } from "./failure-classes.ts";
import { redactDiagnostics } from "./redact-diagnostics.ts";
import { mockScenarioOf, type RunOutcome, safeMessage } from "./run-command.ts";

/** The execution record of an outcome (params and payload only when the connector opts in). */
export function recordOf(
  deps: Pick<ExecuteDeps, "now">,
  principal: Principal,
  connector: ConnectorView,
  req: ExecuteRequest,
  connectionId: string | null,
  outcome: RunOutcome,
  scrubber: SecretScrubber | undefined,
  protocol: string,
): ExecutionRow {
  const failed = !outcome.result.success;
  const code = failed ? CODE_BY_FAILURE_CLASS[outcome.failureClass ?? "command_failed"] : undefined;
  return {
    id: outcome.executionId,
    tenantId: principal.tenantId,
    subject: principal.subject,
    keyId: principal.keyId,
    connectorSlug: connector.slug,
    connectorVersion: connector.version,
    connectionId,
    command: req.command || (connector.definition?.defaultCommand ?? ""),
    status: failed ? "failed" : "succeeded",
    code: code === undefined ? null : codeName(code),
    errorCode: failed ? (outcome.result.errorCode ?? "COMMAND_FAILED") : null,
    message: failed ? safeMessage(outcome.result.error) : null,
    durationMs: outcome.durationMs,
    diagnostics: failed
      ? (redactDiagnostics(outcome.result.diagnostics ?? {}) as Record<string, unknown>)
      : null,
    stepId: req.metadata?.stepId ?? "",
    runId: req.metadata?.runId ?? "",
    idempotencyKey: req.metadata?.idempotencyKey || null,
    requestHash: null,
    result: null,
    reply: null,
    // Only for connectors that opt in: params and payloads may hold personal data.
    params: connector.recordPayloads
      ? (redactDiagnostics(
          scrubber === undefined ? (req.params ?? {}) : scrubber.value(req.params ?? {}),
        ) as Record<string, unknown>)
      : null,
    deprecation: outcome.deprecation ?? null,
    protocol,
    mockScenario: mockScenarioOf(connector, req) ?? null,
    payload:
      connector.recordPayloads && outcome.result.success
        ? (redactDiagnostics(outcome.result.payload ?? {}) as Record<string, unknown>)
        : null,
    createdAt: deps.now(),
  };
}
