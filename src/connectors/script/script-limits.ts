/** Per-execution resource limits of a script connector (issue 7, "Sandbox"). */
export interface ScriptLimits {
  /** V8 heap limit of the isolate, in MiB (isolated-vm's `memoryLimit`; at least 8). */
  readonly memoryMb: number;
  /** CPU time the script may spend, in milliseconds (time waiting for HTTP does not count). */
  readonly cpuMs: number;
  /** Wall-clock time for the whole execution, in milliseconds, HTTP waits included. */
  readonly wallMs: number;
  /** Outbound HTTP calls the script may make; the next one ends the execution. */
  readonly httpCalls: number;
  /** Largest HTTP response body handed to the script, in bytes. */
  readonly responseBytes: number;
  /** Largest result (as JSON) the script may return, in bytes. */
  readonly resultBytes: number;
}

const MIB = 1024 * 1024;

/** The largest memory limit (MB) a script connector may set (`script_limits.memory_mb`). */
export const MAX_SCRIPT_MEMORY_MB = 512;

/** The safe defaults; a connector may tighten or loosen them one by one. */
export const DEFAULT_SCRIPT_LIMITS: ScriptLimits = Object.freeze({
  memoryMb: 64,
  cpuMs: 5000,
  wallMs: 30_000,
  httpCalls: 50,
  responseBytes: 5 * MIB,
  resultBytes: 5 * MIB,
});

/** isolated-vm refuses a smaller heap. */
const MIN_MEMORY_MB = 8;

/** Fills unset limits from the defaults; throws a RangeError for a limit that is not a positive integer. */
export function resolveScriptLimits(overrides: Partial<ScriptLimits> = {}): ScriptLimits {
  const limits: ScriptLimits = { ...DEFAULT_SCRIPT_LIMITS, ...definedOnly(overrides) };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`script limit ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  if (limits.memoryMb < MIN_MEMORY_MB) {
    throw new RangeError(`script limit memoryMb must be at least ${MIN_MEMORY_MB}, got ${limits.memoryMb}`);
  }
  return limits;
}

function definedOnly(overrides: Partial<ScriptLimits>): Partial<ScriptLimits> {
  return Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
}
