import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Who the running code works for. Everything started inside `run` (awaits, timers, promises) sees the
 * caller's signal, so the database layer can tell a statement whose caller has gone without any handler
 * passing the signal down.
 */
export interface CallerScope {
  /** Runs `work` for a caller; `signal` aborts when the caller leaves (or its deadline passes). */
  run<T>(signal: AbortSignal, work: () => T): T;
  /** The signal of the caller the current code works for; undefined outside any call. */
  signal(): AbortSignal | undefined;
}

/** A scope of its own per database, so two servers in one process never see each other's callers. */
export function createCallerScope(): CallerScope {
  const storage = new AsyncLocalStorage<AbortSignal>();
  return {
    run: (signal, work) => storage.run(signal, work),
    signal: () => storage.getStore(),
  };
}
