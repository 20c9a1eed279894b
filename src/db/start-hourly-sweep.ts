const FIRST_AFTER_MS = 10_000;
const EVERY_MS = 60 * 60 * 1000;

/**
 * Runs `sweep` (which handles its own failures) shortly after start and then hourly, on timers that do not
 * keep the process alive; returns the function that stops it.
 */
export function startHourlySweep(sweep: () => Promise<void>): () => void {
  const run = () => void sweep();
  const first = setTimeout(run, FIRST_AFTER_MS);
  const timer = setInterval(run, EVERY_MS);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
