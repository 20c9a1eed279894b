/** One sandbox process's liveness, judged by pings it answers from its event loop. */
export interface Heartbeat {
  /**
   * One beat while the process has work: sends a ping when none is outstanding, else counts a missed
   * beat. True once `missedLimit` beats in a row went unanswered: the process is hung.
   */
  beat(): boolean;
  /** The process answered ping `seq`. */
  answered(seq: number): void;
}

/**
 * Tells a busy process from a hung one. A sandbox process runs its isolates on their own threads, so its
 * event loop answers a ping within moments however long its executions take; one that does not answer
 * for many beats in a row is stuck (a blocked event loop, a stopped process). Counting beats rather than
 * measuring time means a service whose own event loop stalled (and so read the answer late) costs at
 * most one missed beat, not a wrongly killed process.
 */
export function createHeartbeat(ping: (seq: number) => void, missedLimit: number): Heartbeat {
  let seq = 0;
  let outstanding: number | undefined;
  let missed = 0;
  return {
    beat() {
      if (outstanding === undefined) {
        outstanding = ++seq;
        ping(outstanding);
        return false;
      }
      missed++;
      return missed >= missedLimit;
    },
    answered(answer) {
      if (answer !== outstanding) return;
      outstanding = undefined;
      missed = 0;
    },
  };
}
