import ivm from "isolated-vm";
import { outcomeToResult } from "../define/outcome.ts";
import { describeScriptError } from "./describe-script-error.ts";
import { createHostBridge, type HostBridge, MAX_LOG_CHARS } from "./host-bridge.ts";
import type { ScriptRunOptions } from "./run-script-options.ts";
import {
  BOOTSTRAP_FILENAME,
  type DispatchReply,
  SANDBOX_BOOTSTRAP,
  SCRIPT_FILENAME,
} from "./sandbox-bootstrap.ts";
import { ScriptErrorCode, scriptFailure } from "./script-error-code.ts";
import { resolveScriptLimits, type ScriptLimits } from "./script-limits.ts";
import type { ScriptRequest, ScriptResult } from "./script-request.ts";
import { startWatchdog } from "./watchdog.ts";

/** isolated-vm's message when `timeout` cuts a synchronous run short. */
const TIMED_OUT = "Script execution timed out.";

/**
 * Runs one command of a script connector in a fresh isolated-vm isolate: the script's function named
 * `request.command` is called with the `patchbay` global in scope, and what it returns (or resolves to)
 * is normalized into a {@link ScriptResult}. Limit breaches end the execution with SCRIPT_TIMEOUT,
 * SCRIPT_MEMORY_LIMIT or SCRIPT_HTTP_LIMIT; anything the script throws gives SCRIPT_ERROR with the
 * script's own line and column. Never rejects for anything the script does.
 */
export async function runScript(
  source: string,
  request: ScriptRequest,
  options: ScriptRunOptions,
): Promise<ScriptResult> {
  const limits = resolveScriptLimits(options.limits);
  const input = encodeInput(request);
  if (input === undefined) {
    return scriptFailure(
      ScriptErrorCode.SCRIPT_ERROR,
      "params, config and variables must be JSON-serializable",
    );
  }
  if (options.signal?.aborted) {
    return scriptFailure(ScriptErrorCode.SCRIPT_ABORTED, "script execution was cancelled");
  }

  // Pool seam: a later slice keeps isolates warm here (a fresh Context per execution, compiled Scripts
  // cached per connector version, an isolate replaced once it hit a limit or was poisoned). Everything
  // below only needs an isolate and a fresh context, so `openIsolate`/`closeIsolate` are what it swaps.
  let poisoned = false;
  const isolate = openIsolate(limits, (message) => {
    poisoned = true;
    options.onCatastrophicError?.(message);
  });

  let finish: (result: ScriptResult) => void = () => undefined;
  const ended = new Promise<ScriptResult>((resolve) => {
    finish = resolve;
  });
  const done = new AbortController();
  const bridge = createHostBridge({
    http: options.http,
    log: options.log,
    limits,
    signal: done.signal,
    onHttpLimit: () =>
      finish(
        scriptFailure(
          ScriptErrorCode.SCRIPT_HTTP_LIMIT,
          `script made more than ${limits.httpCalls} HTTP calls`,
        ),
      ),
  });
  const stopWatchdog = startWatchdog(
    { isolate, poisoned: () => poisoned, limits, signal: options.signal },
    (breach) => finish(scriptFailure(breach.code, breach.message)),
  );

  execute(isolate, source, request.command, input, bridge, limits).then(finish, (error: unknown) =>
    finish(failureOf(error, isolate, poisoned, limits)),
  );
  const result = await ended;

  stopWatchdog();
  done.abort();
  bridge.close();
  // A poisoned isolate's thread never returns; disposing it would block this thread for good.
  if (!poisoned) closeIsolate(isolate);
  return result;
}

function openIsolate(limits: ScriptLimits, onCatastrophicError: (message: string) => void): ivm.Isolate {
  return new ivm.Isolate({ memoryLimit: limits.memoryMb, onCatastrophicError });
}

function closeIsolate(isolate: ivm.Isolate): void {
  if (!isolate.isDisposed) isolate.dispose();
}

async function execute(
  isolate: ivm.Isolate,
  source: string,
  command: string,
  input: string,
  bridge: HostBridge,
  limits: ScriptLimits,
): Promise<ScriptResult> {
  const timeout = limits.cpuMs;
  const script = await isolate.compileScript(source, { filename: SCRIPT_FILENAME });
  const context = await isolate.createContext();
  const dispatch = await context.evalClosure(
    SANDBOX_BOOTSTRAP,
    [bridge.http, bridge.log, input, Math.floor(limits.resultBytes), MAX_LOG_CHARS],
    { result: { reference: true }, filename: BOOTSTRAP_FILENAME, timeout },
  );
  await script.run(context, { timeout });
  const reply: unknown = await dispatch.apply(undefined, [command], {
    result: { promise: true, copy: true },
    timeout,
  });
  return replyToResult(reply as DispatchReply, command, limits);
}

function replyToResult(reply: DispatchReply, command: string, limits: ScriptLimits): ScriptResult {
  switch (reply.kind) {
    case "unknown":
      return scriptFailure(
        ScriptErrorCode.UNKNOWN_COMMAND,
        `unknown command ${JSON.stringify(command)}: the script defines no function of that name`,
      );
    case "threw":
    case "invalid":
      return scriptFailure(ScriptErrorCode.SCRIPT_ERROR, reply.message);
    case "too-large":
      return tooLarge(limits);
    case "ok": {
      if (reply.json === undefined) return outcomeToResult(undefined);
      if (Buffer.byteLength(reply.json) > limits.resultBytes) return tooLarge(limits);
      const value: unknown = JSON.parse(reply.json);
      // errorCode is the framework's word on a failure; a script must not forge SCRIPT_* codes.
      if (typeof value === "object" && value !== null) delete (value as { errorCode?: unknown }).errorCode;
      return outcomeToResult(value);
    }
  }
}

function tooLarge(limits: ScriptLimits): ScriptResult {
  return scriptFailure(
    ScriptErrorCode.SCRIPT_ERROR,
    `result is larger than the limit of ${limits.resultBytes} bytes (as JSON)`,
  );
}

function failureOf(
  error: unknown,
  isolate: ivm.Isolate,
  poisoned: boolean,
  limits: ScriptLimits,
): ScriptResult {
  const message = error instanceof Error ? error.message : "";
  if (poisoned || /memory limit/i.test(message) || isolate.isDisposed) {
    return scriptFailure(
      ScriptErrorCode.SCRIPT_MEMORY_LIMIT,
      `script exceeded the memory limit of ${limits.memoryMb} MB`,
    );
  }
  if (message === TIMED_OUT) {
    return scriptFailure(
      ScriptErrorCode.SCRIPT_TIMEOUT,
      `script used more than ${limits.cpuMs} ms of CPU time`,
    );
  }
  return scriptFailure(ScriptErrorCode.SCRIPT_ERROR, describeScriptError(error));
}

function encodeInput(request: ScriptRequest): string | undefined {
  try {
    return JSON.stringify({
      config: request.config ?? {},
      params: request.params ?? {},
      variables: request.variables ?? {},
    });
  } catch {
    return undefined;
  }
}
