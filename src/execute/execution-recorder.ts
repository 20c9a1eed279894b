import type { EntityManager } from "@mikro-orm/sql";
import type { Logger } from "../logging/logger.ts";
import { ExecutionEntity, type ExecutionRow } from "./execution-entity.ts";

/** Writes execution records in batches. */
export interface ExecutionRecorder {
  /** Queues a record; written within `flushMs` (or at once when the batch is full). */
  record(row: ExecutionRow): void;
  /** Writes everything queued now. */
  flush(): Promise<void>;
  /** Flushes and stops the timer (on shutdown). */
  stop(): Promise<void>;
}

/**
 * Batches execution records so that the hot path does not wait for an insert per call. What a crash can
 * lose: records of calls answered within the last `flushMs` (default 500 ms) — never an idempotency
 * claim, which is written synchronously before the command runs.
 */
export function createExecutionRecorder(
  em: () => EntityManager,
  logger: Logger,
  options: { flushMs?: number; batchSize?: number } = {},
): ExecutionRecorder {
  const flushMs = options.flushMs ?? 500;
  const batchSize = options.batchSize ?? 500;
  let queue: ExecutionRow[] = [];
  let writing: Promise<void> = Promise.resolve();

  const flush = () => {
    const batch = queue;
    queue = [];
    if (batch.length === 0) return writing;
    writing = writing.then(async () => {
      try {
        await em().insertMany(ExecutionEntity, batch);
      } catch (error) {
        logger.error({ err: error, records: batch.length }, "execution records could not be written");
      }
    });
    return writing;
  };
  const timer = setInterval(() => void flush(), flushMs);
  timer.unref();

  return {
    record(row) {
      queue.push(row);
      if (queue.length >= batchSize) void flush();
    },
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
