export {
  createSandbox,
  DEFAULT_SCRIPT_QUEUE_MAX,
  DEFAULT_SENT_PER_SLOT,
  type Sandbox,
  type SandboxSettings,
} from "./create-sandbox.ts";
export { instrumentSandbox } from "./instrument-sandbox.ts";
export { LOG_FIELD_LIMITS } from "./log-fields.ts";
export type {
  ScriptHttpRequest,
  ScriptHttpResponse,
  ScriptLogLevel,
  ScriptRunOptions,
} from "./run-script-options.ts";
export type { SandboxEvent } from "./sandbox-processes.ts";
export type { SandboxStats } from "./sandbox-stats.ts";
export { ScriptErrorCode, scriptFailure } from "./script-error-code.ts";
export {
  DEFAULT_SCRIPT_LIMITS,
  MAX_SCRIPT_MEMORY_MB,
  resolveScriptLimits,
  type ScriptLimits,
} from "./script-limits.ts";
export type { ScriptRequest, ScriptResult } from "./script-request.ts";
export { tenantQueueShare, tenantShare } from "./tenant-share.ts";
