import type { ScriptLimits } from "./script-limits.ts";

/** An outbound call the script asked for (`patchbay.http.*`). */
export interface ScriptHttpRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  /** As the script passed it: a string is sent as is, anything else is JSON. */
  body?: unknown;
  /** Fires when the execution ends (limit, timeout, abort) so the call can be cancelled. */
  signal?: AbortSignal;
}

/** The host's answer; a string or byte body with a JSON content type is parsed for the script. */
export interface ScriptHttpResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** Log levels of `patchbay.log`. */
export type ScriptLogLevel = "trace" | "debug" | "info" | "warn" | "error";

/** How {@link runScript} reaches the world; the sandbox itself has no other way out. */
export interface ScriptRunOptions {
  /**
   * Makes every outbound call. Unset, the sandbox process makes them itself with its `httpModule`
   * (by default Patchbay's SSRF-safe outbound client under the configured egress policy); set, each call
   * is relayed to this function in the service (tests, embedding).
   */
  http?: (request: ScriptHttpRequest) => Promise<ScriptHttpResponse>;
  /** Receives `patchbay.log.*` (and `console.*`) lines; messages are capped in length and number. */
  log?: (level: ScriptLogLevel, message: string) => void;
  /** Overrides of {@link DEFAULT_SCRIPT_LIMITS}. */
  limits?: Partial<ScriptLimits>;
  /** Cancels the execution; it then ends with SCRIPT_ABORTED. */
  signal?: AbortSignal;
  /**
   * Called when isolated-vm reports a catastrophic error (V8 lost control of an isolate, e.g. one huge
   * allocation past the heap limit). The isolate and its thread cannot be reclaimed: the process should
   * stop taking executions and restart.
   */
  onCatastrophicError?: (message: string) => void;
}
