import type ivm from "isolated-vm";
import { ScriptErrorCode } from "./script-error-code.ts";
import type { ScriptLimits } from "./script-limits.ts";

/** Why the watchdog ended an execution. */
export interface Breach {
  readonly code: ScriptErrorCode;
  readonly message: string;
}

/** What the watchdog watches. */
export interface WatchdogTarget {
  readonly isolate: ivm.Isolate;
  /** True once isolated-vm reported a catastrophic error for this isolate. */
  readonly poisoned: () => boolean;
  readonly limits: ScriptLimits;
  /**
   * Milliseconds the host has spent on the execution's calls so far (its log lines, its HTTP requests and
   * answers): CPU time spent for the script that the isolate's own clock does not count.
   */
  readonly hostMs: () => number;
  /** What is left of `limits.wallMs` when the execution starts (it may have waited for an isolate). */
  readonly wallLeftMs: number;
  readonly signal: AbortSignal | undefined;
}

/** Stops the watchdog; call it once the execution has ended. */
export type StopWatchdog = () => void;

const NS_PER_MS = 1_000_000n;

/**
 * Enforces the limits that isolated-vm's `timeout` option cannot: wall time (a script waiting on a
 * promise that never settles uses no CPU), total CPU time across the bootstrap, the top level and the
 * command — the host's work on the script's calls included, since the isolate's clock stops while its
 * thread waits for the host — the caller's AbortSignal, and an isolate that isolated-vm disposed or gave
 * up on behind our back (memory limit). `onBreach` is called at most once; the caller then disposes the
 * isolate.
 */
export function startWatchdog(target: WatchdogTarget, onBreach: (breach: Breach) => void): StopWatchdog {
  const { isolate, limits, signal } = target;
  const startCpu = isolate.cpuTime;
  const cpuBudget = BigInt(limits.cpuMs) * NS_PER_MS;
  let stopped = false;

  const breach = (code: ScriptErrorCode, message: string): void => {
    if (stopped) return;
    stop();
    onBreach({ code, message });
  };
  const memoryBreach = (): void =>
    breach(ScriptErrorCode.SCRIPT_MEMORY_LIMIT, `script exceeded the memory limit of ${limits.memoryMb} MB`);

  const poll = setInterval(
    () => {
      if (target.poisoned() || isolate.isDisposed) return memoryBreach();
      const hostNs = BigInt(Math.round(target.hostMs() * 1_000_000));
      if (isolate.cpuTime - startCpu + hostNs > cpuBudget) {
        breach(ScriptErrorCode.SCRIPT_TIMEOUT, `script used more than ${limits.cpuMs} ms of CPU time`);
      }
    },
    Math.min(50, Math.max(5, Math.floor(limits.cpuMs / 10))),
  );
  const wall = setTimeout(
    () => breach(ScriptErrorCode.SCRIPT_TIMEOUT, `script ran longer than ${limits.wallMs} ms`),
    target.wallLeftMs,
  );
  const abort = (): void => breach(ScriptErrorCode.SCRIPT_ABORTED, "script execution was cancelled");
  signal?.addEventListener("abort", abort, { once: true });

  function stop(): void {
    stopped = true;
    clearInterval(poll);
    clearTimeout(wall);
    signal?.removeEventListener("abort", abort);
  }
  return stop;
}
