/** When a periodic sweep runs: first `firstAfterMs` after start (0: at once), then every `everyMs`. */
export interface SweepSchedule {
  readonly firstAfterMs: number;
  readonly everyMs: number;
}

/** Shortly after start, then hourly: for cleanup that nothing waits on. */
export const HOURLY: SweepSchedule = { firstAfterMs: 10_000, everyMs: 60 * 60 * 1000 };

/**
 * Runs `sweep` (which handles its own failures) on `schedule`, on timers that do not keep the process
 * alive, never two at once (a run still going when the next is due skips that turn). Returns the function
 * that stops it, which waits for a run in progress, so no sweep outlives the database it uses.
 */
export function startSweep(sweep: () => Promise<void>, schedule: SweepSchedule): () => Promise<void> {
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = () => {
    if (stopped || running !== undefined) return;
    running = sweep().finally(() => {
      running = undefined;
    });
  };
  const timer = setInterval(run, schedule.everyMs);
  timer.unref();
  const first = schedule.firstAfterMs > 0 ? setTimeout(run, schedule.firstAfterMs) : undefined;
  first?.unref();
  if (first === undefined) run();
  return async () => {
    stopped = true;
    clearTimeout(first);
    clearInterval(timer);
    await running;
  };
}
