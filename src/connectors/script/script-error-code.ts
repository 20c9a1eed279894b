import type { ConnectorResult } from "../define/outcome.ts";

/**
 * The failure codes a script execution can end with, beyond the ones the result normalizer sets itself
 * (LEGACY_RESULT_KEYS). Each limit breach has its own code so callers can tell them apart.
 */
export const ScriptErrorCode = {
  /** The script threw, failed to compile, or returned something that is not a JSON result. */
  SCRIPT_ERROR: "SCRIPT_ERROR",
  /** CPU time (`cpuMs`) or wall time (`wallMs`) ran out, or the execution waited for an isolate past its wall time. */
  SCRIPT_TIMEOUT: "SCRIPT_TIMEOUT",
  /** The isolate outgrew `memoryMb`. */
  SCRIPT_MEMORY_LIMIT: "SCRIPT_MEMORY_LIMIT",
  /** The script tried more than `httpCalls` outbound calls. */
  SCRIPT_HTTP_LIMIT: "SCRIPT_HTTP_LIMIT",
  /** The caller's AbortSignal fired. */
  SCRIPT_ABORTED: "SCRIPT_ABORTED",
  /** The sandbox process running the execution died or stopped answering; a retry runs on a new one. */
  SCRIPT_SANDBOX_LOST: "SCRIPT_SANDBOX_LOST",
  /**
   * Every sandbox isolate is busy and `PATCHBAY_SCRIPT_QUEUE_MAX` executions already wait for one: the
   * execution was not started (Execute answers RESOURCE_EXHAUSTED; retry later).
   */
  SCRIPT_QUEUE_FULL: "SCRIPT_QUEUE_FULL",
  /** The script defines no function named like the command. */
  UNKNOWN_COMMAND: "UNKNOWN_COMMAND",
} as const;

/** One of {@link ScriptErrorCode}. */
export type ScriptErrorCode = (typeof ScriptErrorCode)[keyof typeof ScriptErrorCode];

/** A failed result carrying one of the sandbox's own codes. */
export function scriptFailure(errorCode: ScriptErrorCode, error: string): ConnectorResult {
  return { success: false, error, errorCode };
}

/** An execution whose wall time ran out while it waited for a sandbox isolate: it never ran. */
export function waitedTooLong(wallMs: number): ConnectorResult {
  return scriptFailure(
    ScriptErrorCode.SCRIPT_TIMEOUT,
    `script waited longer than its wall time of ${wallMs} ms for a free sandbox`,
  );
}
