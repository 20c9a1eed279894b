import type { JsonObject } from "../define/outcome.ts";
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

/** How a sandbox execution (`Sandbox.run`) reaches the world; the sandbox itself has no other way out. */
export interface ScriptRunOptions {
  /**
   * The calling key's tenant. Isolates are pooled per tenant and never shared between tenants, so that
   * nothing one tenant's executions leave in an isolate (cached scripts holding memory, work V8 runs
   * later) can be seen or felt by another's.
   */
  tenant: string;
  /**
   * Makes every outbound call. Unset, the sandbox process makes them itself with its `httpModule`
   * (by default Patchbay's SSRF-safe outbound client under the configured egress policy); set, each call
   * is relayed to this function in the service (tests, embedding).
   */
  http?: (request: ScriptHttpRequest) => Promise<ScriptHttpResponse>;
  /**
   * Receives `patchbay.log.*` (and `console.*`) lines; messages are capped in length and number. `fields`
   * is the plain-data copy of the object a script passed after its message (`patchbay.log.info("sent",
   * { id })`), bounded in depth, keys and size (see {@link LOG_FIELD_LIMITS}); undefined when it passed none.
   */
  log?: (level: ScriptLogLevel, message: string, fields: JsonObject | undefined) => void;
  /** Overrides of {@link DEFAULT_SCRIPT_LIMITS}. */
  limits?: Partial<ScriptLimits>;
  /** Cancels the execution; it then ends with SCRIPT_ABORTED. */
  signal?: AbortSignal;
}
