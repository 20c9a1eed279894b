import type { JsonObject } from "@bufbuild/protobuf";
import type { ConnectorResult } from "../connectors/index.ts";
import { type ExecuteReply, replyOf } from "./execute-reply.ts";
import { CODE_BY_FAILURE_CLASS, type FailureClass } from "./failure-classes.ts";
import type { RunOutcome } from "./run-command.ts";

// Releases before migration m0014 stored an idempotent call's internal run outcome in `executions.result`
// and made its reply again on each replay. Such rows replay within the 24 h idempotency window after the
// upgrade (and while replicas of the previous release still write them during a rollout): this file is
// the only reader of that shape, and goes, with the column, in a release after the one that adds m0014.

// Everything here was read from a jsonb column, so an object's nested values are JSON values too.
const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isFailureClass = (value: unknown): value is FailureClass =>
  typeof value === "string" && Object.hasOwn(CODE_BY_FAILURE_CLASS, value);

/** The connector result of a stored outcome, field by field as the old releases wrote it. */
function resultOf(stored: JsonObject): ConnectorResult | undefined {
  const { success, payload, variables, diagnostics, error, errorCode } = stored;
  if (typeof success !== "boolean") return undefined;
  return {
    success,
    ...(isObject(payload) ? { payload } : {}),
    ...(isObject(variables) ? { variables } : {}),
    ...(isObject(diagnostics) ? { diagnostics } : {}),
    ...(typeof error === "string" ? { error } : {}),
    ...(typeof errorCode === "string" ? { errorCode } : {}),
  };
}

/**
 * The reply of a row stored before m0014 (`{ executionId, durationMs, result, failureClass? }`), made as
 * those releases made it on replay; throws on anything else.
 */
export function fromLegacyResult(stored: Record<string, unknown>): ExecuteReply {
  const { executionId, durationMs, failureClass } = stored;
  const result = isObject(stored.result) ? resultOf(stored.result) : undefined;
  if (result === undefined || typeof executionId !== "string" || typeof durationMs !== "number") {
    throw new Error("executions.result does not hold a run outcome");
  }
  const outcome: RunOutcome = isFailureClass(failureClass)
    ? { executionId, durationMs, result, failureClass }
    : { executionId, durationMs, result };
  return replyOf(outcome);
}
