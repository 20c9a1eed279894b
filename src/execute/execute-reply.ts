import { create, type JsonObject } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import {
  type ExecuteResponse,
  ExecuteResponseSchema,
  ExecutionFailureSchema,
} from "../../gen/patchbay/v1/execute_pb.ts";
import { CODE_BY_FAILURE_CLASS } from "./failure-classes.ts";
import { redactDiagnostics } from "./redact-diagnostics.ts";
import { type RunOutcome, safeMessage } from "./run-command.ts";

/**
 * What Execute answers a call: the response, or the error it fails with (an operator-safe message and an
 * `ExecutionFailure` detail). The same value is stored for an idempotent call and answered again.
 */
export type ExecuteReply = ExecuteResponse | ConnectError;

/** The response for a successful outcome. */
export function toResponse(outcome: RunOutcome): ExecuteResponse {
  return create(ExecuteResponseSchema, {
    payload: (outcome.result.payload ?? {}) as JsonObject,
    variables: (outcome.result.variables ?? {}) as JsonObject,
    executionId: outcome.executionId,
    durationMs: outcome.durationMs,
    logLines: outcome.logLines ?? [],
  });
}

/** The error for a failed outcome: code by failure class, operator-safe message, ExecutionFailure details. */
export function toError(outcome: RunOutcome): ConnectError {
  const failureClass = outcome.failureClass ?? "command_failed";
  const detail = create(ExecutionFailureSchema, {
    executionId: outcome.executionId,
    errorCode: outcome.result.errorCode ?? "COMMAND_FAILED",
    failureClass,
    diagnostics: redactDiagnostics(outcome.result.diagnostics ?? {}) as JsonObject,
    variables: (outcome.result.variables ?? {}) as JsonObject,
    logLines: outcome.logLines ?? [],
  });
  return new ConnectError(safeMessage(outcome.result.error), CODE_BY_FAILURE_CLASS[failureClass], undefined, [
    { desc: ExecutionFailureSchema, value: detail },
  ]);
}

/** The reply for an outcome: its response when it succeeded, its error when it failed. */
export function replyOf(outcome: RunOutcome): ExecuteReply {
  return outcome.result.success ? toResponse(outcome) : toError(outcome);
}

/** Answers a reply from a handler: returns the response, throws the error. */
export function answer(reply: ExecuteReply): ExecuteResponse {
  if (reply instanceof ConnectError) throw reply;
  return reply;
}
