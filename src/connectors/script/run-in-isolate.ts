import type ivm from "isolated-vm";
import { outcomeToResult } from "../define/outcome.ts";
import { describeScriptError } from "./describe-script-error.ts";
import { createHostBridge, type HostBridge } from "./host-bridge.ts";
import type { IsolatePool, PooledIsolate } from "./isolate-pool.ts";
import type { ScriptRunOptions } from "./run-script-options.ts";
import { type DispatchReply, SCRIPT_FILENAME, SCRIPT_PREFIX, SCRIPT_SUFFIX } from "./sandbox-bootstrap.ts";
import { ScriptErrorCode, scriptFailure, waitedTooLong } from "./script-error-code.ts";
import { resolveScriptLimits, type ScriptLimits } from "./script-limits.ts";
import type { ScriptResult } from "./script-request.ts";
import { scrubEngineMessage } from "./scrub-engine-message.ts";
import { startWatchdog } from "./watchdog.ts";

/** isolated-vm's message when `timeout` cuts a synchronous run short. */
const TIMED_OUT = "Script execution timed out.";

/**
 * Runs one command of a script connector, in this process, on an isolated-vm isolate of `pool` that
 * belongs to `options.tenant`, in a fresh scope of a hardened context: the script's function named
 * `command` is called with `patchbay` in scope, and what it returns (or resolves to) is normalized into a
 * {@link ScriptResult}. Limit breaches end the execution with SCRIPT_TIMEOUT, SCRIPT_MEMORY_LIMIT or
 * SCRIPT_HTTP_LIMIT; anything the script throws gives SCRIPT_ERROR with the script's own line and column.
 * The wall time includes `waitedMs` already spent waiting in the service and the wait for an isolate
 * here; an execution whose wall time runs out before it gets one never runs. Never rejects for anything
 * the script does.
 */
export async function runInIsolate(
  pool: IsolatePool,
  source: string,
  command: string,
  input: string,
  options: ScriptRunOptions,
  waitedMs = 0,
): Promise<ScriptResult> {
  const limits = resolveScriptLimits(options.limits);
  if (options.signal?.aborted) {
    return scriptFailure(ScriptErrorCode.SCRIPT_ABORTED, "script execution was cancelled");
  }

  // Time spent waiting for an isolate, here or in the service, counts against the wall time.
  const asked = performance.now();
  const acquired = await pool.acquire(options.tenant, limits.memoryMb, {
    ms: Math.max(0, limits.wallMs - waitedMs),
    signal: options.signal,
  });
  const wallLeftMs = limits.wallMs - waitedMs - (performance.now() - asked);
  if (acquired === undefined || wallLeftMs <= 0 || options.signal?.aborted) {
    if (acquired !== undefined) pool.release(acquired, true);
    return options.signal?.aborted
      ? scriptFailure(ScriptErrorCode.SCRIPT_ABORTED, "script execution was cancelled")
      : waitedTooLong(limits.wallMs);
  }
  const slot = acquired;
  const { isolate } = slot;

  let finish: (result: ScriptResult) => void = () => undefined;
  const ended = new Promise<ScriptResult>((resolve) => {
    finish = resolve;
  });
  let breached = false;
  const bridge = createHostBridge({
    http: options.http,
    log: options.log,
    limits,
    onHttpLimit: () => {
      breached = true;
      finish(
        scriptFailure(
          ScriptErrorCode.SCRIPT_HTTP_LIMIT,
          `script made more than ${limits.httpCalls} HTTP calls`,
        ),
      );
    },
  });
  const stopWatchdog = startWatchdog(
    {
      isolate,
      poisoned: () => slot.poisoned,
      limits,
      hostMs: bridge.hostMs,
      wallLeftMs,
      signal: options.signal,
    },
    (breach) => {
      breached = true;
      finish(scriptFailure(breach.code, breach.message));
    },
  );

  execute(slot, source, command, input, bridge, limits).then(finish, (error: unknown) => {
    breached = true;
    finish(failureOf(error, isolate, slot.poisoned, limits));
  });
  const result = await ended;

  stopWatchdog();
  slot.end();
  bridge.close();
  // An isolate that hit a limit may still be running the script: it is disposed and replaced. If the
  // script was waiting on a host call (`patchbay.http`), its thread is blocked in applySyncPromise, and
  // disposing the isolate before that call's answer has reached it corrupts isolated-vm's memory and takes
  // the process down. `slot.end()` has just answered the call (and closing the bridge cancels the outbound
  // request), so such an isolate is released a turn or two later, once no call is pending; the result
  // does not wait for it.
  if (breached && slot.hostCalls() > 0) {
    void slot.settled().then(() => pool.release(slot, false));
  } else {
    pool.release(slot, !breached);
  }
  return result;
}

/** Compiles a script once per isolate: its body is checked alone, then wrapped as a factory. */
async function factoryFor(
  slot: PooledIsolate,
  source: string,
  timeout: number,
): Promise<ivm.Reference<(...args: unknown[]) => unknown>> {
  const cached = slot.factories.get(source);
  if (cached !== undefined) {
    slot.factories.delete(source);
    slot.factories.set(source, cached);
    return cached;
  }
  // Compiling the wrapped source reports syntax errors with their position; the body check then refuses
  // a source that only parses because of the wrapper (one that closes it to reach the top level).
  const script = await slot.isolate.compileScript(`${SCRIPT_PREFIX}${source}${SCRIPT_SUFFIX}`, {
    filename: SCRIPT_FILENAME,
  });
  try {
    await slot.checkBody.apply(undefined, [source], { timeout });
  } catch (error) {
    script.release();
    throw error;
  }
  const factory = (await script.run(slot.context, { reference: true, timeout })) as ivm.Reference<
    (...args: unknown[]) => unknown
  >;
  script.release();
  slot.factories.set(source, factory);
  return factory;
}

async function execute(
  slot: PooledIsolate,
  source: string,
  command: string,
  input: string,
  bridge: HostBridge,
  limits: ScriptLimits,
): Promise<ScriptResult> {
  const timeout = limits.cpuMs;
  const factory = await factoryFor(slot, source, timeout);
  const reply: unknown = await slot.runOne.apply(
    undefined,
    [factory.derefInto(), slot.begin(bridge), input, command, Math.floor(limits.resultBytes)],
    { result: { promise: true, copy: true }, timeout },
  );
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
      return scriptFailure(ScriptErrorCode.SCRIPT_ERROR, scrubEngineMessage(reply.message));
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
  return scriptFailure(ScriptErrorCode.SCRIPT_ERROR, scrubEngineMessage(describeScriptError(error)));
}
