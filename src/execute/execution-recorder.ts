import type { EntityManager } from "@mikro-orm/sql";
import { createNativeQuery } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { PlatformMetrics } from "../metrics/index.ts";
import type { ExecutionRow } from "./execution-entity.ts";
import { createRunsInFlight } from "./runs-in-flight.ts";
import { writeBatch } from "./write-batch.ts";

/** How long a stop waits for the records of the runs it cancelled (they are usually there at once). */
export const RECORD_WAIT_MS = 3_000;

/** A run begun whose record is still to come: what the recorder's stop cancels and waits for. */
export interface PendingRecord {
  /** The run's abort controller (its command's signal); aborted when the server stops first. */
  readonly controller: AbortController;
  /** Queues the run's record, as {@link ExecutionRecorder.record} does, and ends the wait for it. */
  record(row: ExecutionRow): void;
  /** Ends the wait without a queued record: the run wrote its own (an idempotency claim), or never ran. */
  end(): void;
}

/** Writes execution records in batches. */
export interface ExecutionRecorder {
  /**
   * Begins a run whose record is to come (an Execute call, a tool call, a webhook job's command): until
   * its record is queued or it ends, a stop cancels it and waits for it.
   */
  begin(): PendingRecord;
  /** Runs `work` as a run begun ({@link begin}), ended when `work` settles, however it does. */
  track<T>(work: (pending: PendingRecord) => Promise<T>): Promise<T>;
  /** Queues a record; written within `flushMs` (or at once when the batch is full). */
  record(row: ExecutionRow): void;
  /** Writes everything queued now. */
  flush(): Promise<void>;
  /**
   * Cancels the runs begun and not yet recorded (their commands abort and they are recorded SERVER_STOPPED),
   * and every run begun from now on; answers how many were running. For the calls a stop's grace period
   * cut off.
   */
  cancelRunning(): number;
  /**
   * On shutdown: cancels the runs still going, waits up to {@link RECORD_WAIT_MS} for their records,
   * flushes and stops the timer. A record that comes later is not written: a warning says how many
   * (nothing of their content).
   */
  stop(): Promise<void>;
}

/**
 * Batches execution records so that the hot path does not wait for an insert per call. What a crash can
 * lose: records of calls answered within the last `flushMs` (default 500 ms) — never an idempotency
 * claim, which is written synchronously before the command runs. A graceful stop loses none: the runs
 * still going are cancelled and recorded before the last batch is written.
 */
export function createExecutionRecorder(
  em: () => EntityManager,
  logger: Logger,
  options: {
    flushMs?: number;
    batchSize?: number;
    /** How long a stop waits for the runs it cancelled; {@link RECORD_WAIT_MS} by default. */
    recordWaitMs?: number;
    /** Counts batches and the records written or lost; undefined when metrics are off. */
    metrics?: Pick<PlatformMetrics, "recordsWritten"> | undefined;
  } = {},
): ExecutionRecorder {
  const flushMs = options.flushMs ?? 500;
  const batchSize = options.batchSize ?? 500;
  const query = createNativeQuery(em);
  const runs = createRunsInFlight();
  let queue: ExecutionRow[] = [];
  let writing: Promise<void> = Promise.resolve();
  let stopped = false;
  let stopping: Promise<void> | undefined;
  let late = 0;

  const flush = () => {
    const batch = queue;
    queue = [];
    if (batch.length === 0) return writing;
    writing = writing.then(async () => {
      const started = performance.now();
      const { lost } = await writeBatch(query, batch, logger);
      options.metrics?.recordsWritten(batch.length - lost, lost, (performance.now() - started) / 1000);
    });
    return writing;
  };
  const record = (row: ExecutionRow) => {
    if (stopped) {
      // Nothing scrapes the metrics any more: the log says how many came too late.
      late += 1;
      logger.warn({ records: late }, "execution record came after the recorder stopped; not written");
      return;
    }
    queue.push(row);
    if (queue.length >= batchSize) void flush();
  };
  const timer = setInterval(() => void flush(), flushMs);
  timer.unref();

  const begin = (): PendingRecord => {
    const run = runs.begin();
    return {
      controller: run.controller,
      record(row) {
        record(row);
        run.end();
      },
      end: run.end,
    };
  };

  return {
    begin,
    async track(work) {
      const pending = begin();
      try {
        return await work(pending);
      } finally {
        pending.end();
      }
    },
    record,
    flush,
    cancelRunning: () => runs.cancel(),
    stop() {
      // Once: a second call gets the first one's wait and last write.
      stopping ??= (async () => {
        runs.cancel();
        const waitMs = options.recordWaitMs ?? RECORD_WAIT_MS;
        const unrecorded = await runs.settle(waitMs);
        if (unrecorded > 0) {
          logger.warn(
            { runs: unrecorded, waitMs },
            "stopping: runs still unrecorded; their records are lost",
          );
        }
        stopped = true;
        clearInterval(timer);
        await flush();
      })();
      return stopping;
    },
  };
}
