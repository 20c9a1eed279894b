/** The slice of `perf_hooks.monitorEventLoopDelay()` the monitor reads (values in nanoseconds). */
export interface DelayHistogram {
  enable(): boolean;
  disable(): boolean;
  reset(): void;
  percentile(percentile: number): number;
  readonly count: number;
}

/** What the process is short of right now. */
export type Pressure = "event_loop" | "database";

/** One reading of the load. */
export interface LoadSample {
  /** The 99th percentile of the event loop's delay over the last full window, in milliseconds. */
  readonly loopDelayMs: number;
  /** Statements waiting for a pooled database connection now. */
  readonly dbWaiting: number;
}

/** When the process counts as under pressure; 0 turns a signal off. */
export interface LoadThresholds {
  /** Event-loop delay (p99 over a window) from which calls are shed, in milliseconds. */
  readonly loopDelayMs: number;
  /** Waiting database statements from which calls are shed. */
  readonly dbWaiting: number;
}

/** Options for {@link createLoadMonitor}. */
export interface LoadMonitorOptions {
  /** `monitorEventLoopDelay({ resolution: 10 })`; enabled here and disabled by `stop()`. */
  readonly loopDelay: DelayHistogram;
  /** Statements waiting for a pooled connection (0 before the pool exists). */
  readonly dbWaiting: () => number;
  readonly thresholds: LoadThresholds;
  /** Length of an event-loop window, in milliseconds; 500 by default. */
  readonly windowMs?: number;
  /** A monotonic clock in milliseconds (`performance.now`). */
  readonly now: () => number;
}

/** Reads the event loop's delay and the database pool's queue, and says whether either is too long. */
export interface LoadMonitor {
  /** The current reading (closes the event-loop window when it has run its length). */
  sample(): LoadSample;
  /** The resource under pressure now, or undefined; the event loop is named first. */
  pressure(): Pressure | undefined;
  /** Stops measuring the event loop. */
  stop(): void;
}

/**
 * Measures load on demand, without a timer of its own: the event-loop histogram is read and reset when a
 * call finds its window over, so a loop stalled for two seconds shows up on the first call after the
 * stall. The pool's queue is read as it is at that moment.
 */
export function createLoadMonitor(options: LoadMonitorOptions): LoadMonitor {
  const { loopDelay, thresholds, now } = options;
  const windowMs = options.windowMs ?? 500;
  loopDelay.enable();
  let windowStart = now();
  let loopDelayMs = 0;

  const sample = (): LoadSample => {
    const at = now();
    if (at - windowStart >= windowMs) {
      loopDelayMs = loopDelay.count > 0 ? loopDelay.percentile(99) / 1e6 : 0;
      loopDelay.reset();
      windowStart = at;
    }
    return { loopDelayMs, dbWaiting: options.dbWaiting() };
  };

  return {
    sample,
    pressure() {
      const load = sample();
      if (thresholds.loopDelayMs > 0 && load.loopDelayMs >= thresholds.loopDelayMs) return "event_loop";
      if (thresholds.dbWaiting > 0 && load.dbWaiting >= thresholds.dbWaiting) return "database";
      return undefined;
    },
    stop() {
      loopDelay.disable();
    },
  };
}
