import { createTenantTurns } from "./tenant-turns.ts";

/** What the queue needs to know of a waiting execution. */
export interface Waiting {
  /** Whose execution it is: tenants take turns. */
  readonly tenant: string;
  /** When the execution's wall time runs out (`performance.now()` time): it is not started after that. */
  readonly deadline: number;
  /** The caller's cancellation. */
  readonly signal: AbortSignal | undefined;
}

/** What {@link createExecutionQueue} needs. */
export interface ExecutionQueueOptions<T extends Waiting> {
  /** Most executions waiting at once; `add` refuses more. */
  readonly max: number;
  /**
   * Most executions of one tenant waiting at once (default `max`): a tenant that fills the queue with its
   * own would turn every other tenant's executions away unstarted.
   */
  readonly maxPerTenant?: number;
  /** An execution whose deadline passed while it waited; it has left the queue and never runs. */
  readonly expired: (entry: T) => void;
  /** An execution whose caller cancelled it while it waited; it has left the queue and never runs. */
  readonly aborted: (entry: T) => void;
}

/** Executions waiting for a free isolate: tenants in turn, each tenant's oldest first. */
export interface ExecutionQueue<T extends Waiting> {
  /**
   * Queues an execution; otherwise says why not (the caller answers it): `full`, or `share` when its
   * tenant already has `maxPerTenant` waiting.
   */
  add(entry: T): "queued" | "full" | "share";
  /**
   * Takes the first execution, tenants in turn, for which `place` finds somewhere to run (a tenant at its
   * share everywhere is passed over, and keeps its turn); undefined when none can go anywhere. The expired
   * ones met are answered.
   */
  take<P>(place: (entry: T) => P | undefined): { entry: T; place: P } | undefined;
  /** Executions waiting. */
  size(): number;
  /** Executions of one tenant waiting. */
  waiting(tenant: string): number;
  /** Takes every waiting execution out (the sandbox is closing) and returns them. */
  clear(): T[];
}

/**
 * A bounded queue of executions waiting for an isolate, served by tenant in turn (round-robin between the
 * tenants with executions waiting, oldest first within one): a tenant that queued a thousand executions
 * first does not keep another's out for a thousand turns. A waiting execution is answered as soon as its
 * deadline passes or its caller cancels it, without ever running: an execution started after its deadline
 * would only spend an isolate on a caller that has already been told it timed out.
 */
export function createExecutionQueue<T extends Waiting>(
  options: ExecutionQueueOptions<T>,
): ExecutionQueue<T> {
  const turns = createTenantTurns<T>();
  /** Each waiting execution with what undoes its timer and listener. */
  const undo = new Map<T, () => void>();
  const maxPerTenant = options.maxPerTenant ?? options.max;

  /** Stops the entry's timer and listener. */
  function release(entry: T): void {
    undo.get(entry)?.();
    undo.delete(entry);
  }

  function leave(entry: T): void {
    release(entry);
    turns.delete(entry.tenant, entry);
  }

  return {
    add(entry) {
      if (turns.size() >= options.max) return "full";
      if (turns.waiting(entry.tenant) >= maxPerTenant) return "share";
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
      undo.set(entry, () => {
        clearTimeout(timer);
        entry.signal?.removeEventListener("abort", onAbort);
      });
      turns.add(entry.tenant, entry);
      return "queued";
    },
    take(place) {
      for (const [tenant, entry] of turns.heads()) {
        // A timer may fire late on a busy event loop: the deadline is what counts.
        if (performance.now() >= entry.deadline) {
          leave(entry);
          options.expired(entry);
          continue;
        }
        const chosen = place(entry);
        if (chosen === undefined) continue;
        release(entry);
        turns.serve(tenant, entry);
        return { entry, place: chosen };
      }
      return undefined;
    },
    size: () => turns.size(),
    waiting: (tenant) => turns.waiting(tenant),
    clear() {
      const all = turns.clear();
      for (const entry of all) undo.get(entry)?.();
      undo.clear();
      return all;
    },
  };
}
