import type { Logger } from "./logger.ts";

/**
 * Resolves once the logger's destination has written every line given so far, in order (or after
 * `boundMs`, should the destination not answer), for a process about to exit. JSON lines are written
 * asynchronously in batches: at `process.exit` the lines still gathered are written synchronously, and
 * would overtake a batch whose asynchronous write is still in flight, putting a shutdown's last lines
 * before the ones logged just ahead of them.
 */
export function flushLogger(logger: Logger, boundMs = 1_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, boundMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    try {
      logger.flush(done);
    } catch {
      done();
    }
  });
}
