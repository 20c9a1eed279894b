import { Code } from "@connectrpc/connect";
import type { ConnectorResult } from "../connectors/index.ts";

/** Why a command failed, from the caller's point of view. */
export type FailureClass =
  | "invalid_params"
  | "not_connected"
  | "upstream_auth"
  | "command_failed"
  | "upstream_rate_limited"
  | "upstream_unavailable"
  | "timeout"
  | "internal";

/** Failure class → gRPC code: the one table (issue 6). */
export const CODE_BY_FAILURE_CLASS: Readonly<Record<FailureClass, Code>> = {
  invalid_params: Code.InvalidArgument,
  not_connected: Code.FailedPrecondition,
  upstream_auth: Code.FailedPrecondition,
  command_failed: Code.FailedPrecondition,
  upstream_rate_limited: Code.ResourceExhausted,
  upstream_unavailable: Code.Unavailable,
  timeout: Code.DeadlineExceeded,
  internal: Code.Internal,
};

/** Framework error codes → failure class. */
const CLASS_BY_ERROR_CODE: Readonly<Record<string, FailureClass>> = {
  MISSING_REQUIRED_FIELDS: "invalid_params",
  INVALID_PARAMS: "invalid_params",
  UNKNOWN_COMMAND: "invalid_params",
  NO_COMMAND: "invalid_params",
  NO_MOCK_SCENARIO: "invalid_params",
  MOCK_UNSUPPORTED: "invalid_params",
  TIMEOUT: "timeout",
  // The replica stopped before the command finished: retry, on another replica (UNAVAILABLE).
  SERVER_STOPPED: "upstream_unavailable",
  LEGACY_RESULT_KEYS: "internal",
  EGRESS_REFUSED: "command_failed",
  BAD_URL: "command_failed",
  TOO_MANY_REDIRECTS: "command_failed",
  TOO_LARGE: "command_failed",
  UPSTREAM_TIMEOUT: "upstream_unavailable",
  // OpenAPI-derived connectors: the connection lacks what the operation's security or base URL needs.
  MISSING_CREDENTIALS: "not_connected",
  NOT_CONFIGURED: "not_connected",
  UPSTREAM_AUTH_FAILED: "upstream_auth",
  UPSTREAM_UNAVAILABLE: "upstream_unavailable",
  UPSTREAM_RATE_LIMITED: "upstream_rate_limited",
  OPENAPI_PLAN_MISSING: "internal",
  NETWORK: "upstream_unavailable",
  // Requests through an on-premise agent (docs/agent.md).
  AGENT_UNAVAILABLE: "upstream_unavailable",
  AGENT_DISCONNECTED: "upstream_unavailable",
  AGENT_EGRESS_REFUSED: "command_failed",
  AGENT_TIMEOUT: "upstream_unavailable",
  AGENT_FAILED: "upstream_unavailable",
  // Script connectors: a limit or an error in the sandbox.
  SCRIPT_TIMEOUT: "timeout",
  SCRIPT_ABORTED: "timeout",
  SCRIPT_MEMORY_LIMIT: "internal",
  SCRIPT_HTTP_LIMIT: "internal",
  SCRIPT_ERROR: "internal",
  SCRIPT_SANDBOX_LOST: "upstream_unavailable",
  // Every sandbox isolate busy and the queue full: the caller should back off, like a 429.
  SCRIPT_QUEUE_FULL: "upstream_rate_limited",
  // External connectors (the client's own codes).
  CANCELED: "timeout",
  EXTERNAL_UNREACHABLE: "upstream_unavailable",
  INVALID_RESPONSE: "internal",
  // An external connector's gRPC status, kept where it names a class.
  EXTERNAL_INVALID_ARGUMENT: "invalid_params",
  EXTERNAL_OUT_OF_RANGE: "invalid_params",
  EXTERNAL_UNAUTHENTICATED: "upstream_auth",
  EXTERNAL_PERMISSION_DENIED: "upstream_auth",
  EXTERNAL_RESOURCE_EXHAUSTED: "upstream_rate_limited",
  EXTERNAL_UNAVAILABLE: "upstream_unavailable",
  EXTERNAL_DEADLINE_EXCEEDED: "timeout",
  EXTERNAL_INTERNAL: "internal",
  EXTERNAL_UNKNOWN: "internal",
  EXTERNAL_UNIMPLEMENTED: "internal",
  EXTERNAL_DATA_LOSS: "internal",
};

/** `EXTERNAL_HTTP_<status>`: an HTTP-protocol connector's non-2xx answer. */
const EXTERNAL_HTTP = /^EXTERNAL_HTTP_(\d{3})$/;

/**
 * The class of a failed result: the framework's own error code first, then the status an HTTP-protocol
 * connector answered with (other than 422), then an upstream HTTP status the connector put in its
 * diagnostics (`status` or `statusCode`): 401/403 auth, 429 rate limit, 5xx down; anything else is the
 * command failing.
 */
export function classifyFailure(result: ConnectorResult): FailureClass {
  const byCode = result.errorCode === undefined ? undefined : CLASS_BY_ERROR_CODE[result.errorCode];
  if (byCode !== undefined) return byCode;
  // 422 is the HTTP protocol's "the command failed": its diagnostics decide, like a built-in's.
  const answered = EXTERNAL_HTTP.exec(result.errorCode ?? "")?.[1];
  const httpStatus = answered === "422" ? undefined : answered;
  const status = Number(httpStatus ?? result.diagnostics?.status ?? result.diagnostics?.statusCode);
  if (status === 400 && httpStatus !== undefined) return "invalid_params";
  if (status === 401 || status === 403) return "upstream_auth";
  if (status === 429) return "upstream_rate_limited";
  if (status >= 500 && status < 600) return "upstream_unavailable";
  return "command_failed";
}
