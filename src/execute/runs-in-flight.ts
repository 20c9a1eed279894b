import { Code, ConnectError } from "@connectrpc/connect";

/**
 * What a run's controller is aborted with when the server stops before the run has ended: the run ends
 * with error code SERVER_STOPPED and this message (run-command.ts).
 */
export const SERVER_STOPPED = Object.freeze(
  new ConnectError("the server stopped before the command finished", Code.Canceled),
);

/** One run in flight. */
export interface RunInFlight {
  /** The run's abort controller: its command stops when it aborts. */
  readonly controller: AbortController;
  /** Says the run is over (its record written or queued, or none to make); more than once is harmless. */
  end(): void;
}

/** The runs begun and not yet over, which a stop cancels and waits for. */
export interface RunsInFlight {
  begin(): RunInFlight;
  /**
   * Aborts every run in flight with {@link SERVER_STOPPED}, and every run begun from now on as it begins.
   * Answers how many were in flight.
   */
  cancel(): number;
  /** Resolves once no run is in flight, or after `waitMs`, with how many still are. */
  settle(waitMs: number): Promise<number>;
}

/**
 * Keeps the runs in flight in one set, so that a stop aborts them without a listener per run (an
 * AbortSignal listener is costly to add and remove on the hot path).
 */
export function createRunsInFlight(): RunsInFlight {
  const running = new Set<AbortController>();
  let cancelled = false;
  let settled: (() => void) | undefined;
  return {
    begin() {
      const controller = new AbortController();
      if (cancelled) controller.abort(SERVER_STOPPED);
      running.add(controller);
      return {
        controller,
        end() {
          if (running.delete(controller) && running.size === 0) settled?.();
        },
      };
    },
    cancel() {
      cancelled = true;
      for (const controller of running) controller.abort(SERVER_STOPPED);
      return running.size;
    },
    async settle(waitMs) {
      if (running.size === 0) return 0;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        settled = resolve;
        timer = setTimeout(resolve, waitMs);
      });
      clearTimeout(timer);
      settled = undefined;
      return running.size;
    },
  };
}
