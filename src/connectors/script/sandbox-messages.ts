import type { JsonObject } from "../define/outcome.ts";
import type { ScriptHttpRequest, ScriptHttpResponse, ScriptLogLevel } from "./run-script-options.ts";
import type { SandboxStats } from "./sandbox-stats.ts";
import type { ScriptLimits } from "./script-limits.ts";
import type { ScriptResult } from "./script-request.ts";

/** What the service sends a sandbox process (IPC with structured-clone serialization). */
export type ToSandbox =
  /**
   * First message: how the process reaches the world, how many executions it runs at once, and how many
   * of them one tenant may (see tenantShare).
   */
  | { t: "init"; egressAllow: readonly string[]; httpModule: string; slots: number; share: number }
  | {
      t: "run";
      id: number;
      /** Isolates are never shared between tenants: the process keeps a pool per tenant. */
      tenant: string;
      source: string;
      command: string;
      /** `{config, params, variables}` as JSON (see encodeScriptInput). */
      input: string;
      limits: Partial<ScriptLimits> | undefined;
      /** Milliseconds the execution waited for a free slot: they count against its wall time. */
      waitedMs: number;
      /** True: the service makes this execution's HTTP calls (its caller passed `http`); false: the process's `httpModule` does. */
      relay: boolean;
    }
  | { t: "abort"; id: number }
  | { t: "http-done"; call: number; response: ScriptHttpResponse }
  | { t: "http-failed"; call: number; message: string; code: string | undefined }
  /** Heartbeat: the process answers `pong` from its event loop, whatever its isolates are doing. */
  | { t: "ping"; seq: number };

/** What a sandbox process sends the service. */
export type FromSandbox =
  | { t: "done"; id: number; result: ScriptResult }
  | { t: "log"; id: number; level: ScriptLogLevel; message: string; fields: JsonObject | undefined }
  | { t: "http"; id: number; call: number; request: Omit<ScriptHttpRequest, "signal"> }
  | { t: "http-abort"; call: number }
  | { t: "pong"; seq: number }
  /** The process's isolates and their heaps: sent every few seconds when they changed. */
  | { t: "stats"; stats: SandboxStats }
  /** V8 gave up on an isolate: the process holds memory and a thread it cannot free. */
  | { t: "lost" };
