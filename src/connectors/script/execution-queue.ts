/** What the queue needs to know of a waiting execution. */
export interface Waiting {
  /** When the execution's wall time runs out (`performance.now()` time): it is not started after that. */
  readonly deadline: number;
  /** The caller's cancellation. */
  readonly signal: AbortSignal | undefined;
}

/** What {@link createExecutionQueue} needs. */
export interface ExecutionQueueOptions<T extends Waiting> {
  /** Most executions waiting at once; `add` refuses more. */
  readonly max: number;
  /** An execution whose deadline passed while it waited; it has left the queue and never runs. */
  readonly expired: (entry: T) => void;
  /** An execution whose caller cancelled it while it waited; it has left the queue and never runs. */
  readonly aborted: (entry: T) => void;
}

/** Executions waiting for a free isolate, oldest first. */
export interface ExecutionQueue<T extends Waiting> {
  /** Queues an execution; false when the queue is full (the caller answers it). */
  add(entry: T): boolean;
  /** The oldest execution that can still start, left in the queue; the expired ones met are answered. */
  peek(): T | undefined;
  /** Takes the oldest execution that can still start, or undefined; the expired ones met are answered. */
  take(): T | undefined;
  /** Executions waiting. */
  size(): number;
  /** Takes every waiting execution out (the sandbox is closing) and returns them. */
  clear(): T[];
}

/**
 * A bounded FIFO of executions waiting for an isolate. A waiting execution is answered as soon as its
 * deadline passes or its caller cancels it, without ever running: an execution started after its
 * deadline would only spend an isolate on a caller that has already been told it timed out.
 */
export function createExecutionQueue<T extends Waiting>(
  options: ExecutionQueueOptions<T>,
): ExecutionQueue<T> {
  /** Insertion-ordered: the first is the oldest; each with what undoes its timer and listener. */
  const entries = new Map<T, () => void>();

  function leave(entry: T): void {
    entries.get(entry)?.();
    entries.delete(entry);
  }

  function peek(): T | undefined {
    for (const entry of entries.keys()) {
      // A timer may fire late on a busy event loop: the deadline is what counts.
      if (performance.now() < entry.deadline) return entry;
      leave(entry);
      options.expired(entry);
    }
    return undefined;
  }

  return {
    add(entry) {
      if (entries.size >= options.max) return false;
      const onExpired = (): void => {
        leave(entry);
        options.expired(entry);
      };
      const onAbort = (): void => {
        leave(entry);
        options.aborted(entry);
      };
      const timer = setTimeout(onExpired, Math.max(0, entry.deadline - performance.now()));
      // The executions that hold every isolate keep the process alive, not the ones waiting for them.
      timer.unref();
      entry.signal?.addEventListener("abort", onAbort, { once: true });
      entries.set(entry, () => {
        clearTimeout(timer);
        entry.signal?.removeEventListener("abort", onAbort);
      });
      return true;
    },
    peek,
    take() {
      const entry = peek();
      if (entry !== undefined) leave(entry);
      return entry;
    },
    size: () => entries.size,
    clear() {
      const all = [...entries.keys()];
      for (const entry of all) leave(entry);
      return all;
    },
  };
}
