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
  TIMEOUT: "timeout",
  LEGACY_RESULT_KEYS: "internal",
  EGRESS_REFUSED: "command_failed",
  BAD_URL: "command_failed",
  TOO_MANY_REDIRECTS: "command_failed",
  TOO_LARGE: "command_failed",
  UPSTREAM_TIMEOUT: "upstream_unavailable",
  NETWORK: "upstream_unavailable",
};

/**
 * The class of a failed result: the framework's own error code first, then an upstream HTTP status the
 * connector put in its diagnostics (`status` or `statusCode`): 401/403 auth, 429 rate limit, 5xx down;
 * anything else is the command failing.
 */
export function classifyFailure(result: ConnectorResult): FailureClass {
  const byCode = result.errorCode === undefined ? undefined : CLASS_BY_ERROR_CODE[result.errorCode];
  if (byCode !== undefined) return byCode;
  const status = Number(result.diagnostics?.status ?? result.diagnostics?.statusCode);
  if (status === 401 || status === 403) return "upstream_auth";
  if (status === 429) return "upstream_rate_limited";
  if (status >= 500 && status < 600) return "upstream_unavailable";
  return "command_failed";
}
