/** How many times the usual number of unanswered beats a process that never answered yet may miss. */
const STARTING_FACTOR = 10;

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
 * most one missed beat, not a wrongly killed process. A process that has not answered yet is starting
 * (loading Node and isolated-vm takes seconds on a loaded machine): it gets `STARTING_FACTOR` times as
 * many beats before it counts as hung.
 */
export function createHeartbeat(ping: (seq: number) => void, missedLimit: number): Heartbeat {
  let seq = 0;
  let outstanding: number | undefined;
  let missed = 0;
  let started = false;
  return {
    beat() {
      if (outstanding === undefined) {
        outstanding = ++seq;
        ping(outstanding);
        return false;
      }
      missed++;
      return missed >= (started ? missedLimit : missedLimit * STARTING_FACTOR);
    },
    answered(answer) {
      if (answer !== outstanding) return;
      outstanding = undefined;
      missed = 0;
      started = true;
    },
  };
}
