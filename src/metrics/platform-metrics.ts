import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { createLabeledCounter } from "./labeled-counter.ts";

/** The database pool's connections now (what `Database.poolLoad` answers). */
export interface PoolReading {
  readonly size: number;
  readonly idle: number;
  readonly waiting: number;
}

/** Metrics of the parts every feature leans on: rate limits, the database pool, execution records. */
export interface PlatformMetrics {
  /** A call refused by its key's rate limit, by the tier it was limited as. */
  rateLimited(tier: string): void;
  /** A call let through unlimited because the rate-limit store failed (fail open). */
  rateLimitFailedOpen(): void;
  /** Reads the pool at each scrape. */
  watchPool(read: () => PoolReading | undefined): void;
  /** A batch of execution records was written: its rows, and those lost. */
  recordsWritten(rows: number, lost: number, seconds: number): void;
}

const BATCH_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createPlatformMetrics(registry: Registry): PlatformMetrics {
  // Counted per refused call, which an abusive caller makes as fast as it likes.
  const refused = createLabeledCounter(registry, {
    name: "patchbay_rate_limited_total",
    help: "Calls refused by their API key's rate limit (RESOURCE_EXHAUSTED), by the tier they were limited as.",
    labelNames: ["tier"] as const,
  });
  const failedOpen = new Counter({
    name: "patchbay_rate_limit_fail_open_total",
    help: "Calls let through unlimited because the rate-limit counters could not be read in time.",
    registers: [registry],
  });
  let readPool: (() => PoolReading | undefined) | undefined;
  new Gauge({
    name: "patchbay_db_pool_connections",
    help: "PostgreSQL pool connections of this process, by state (in_use, idle).",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const pool = readPool?.();
      this.set({ state: "in_use" }, pool === undefined ? 0 : pool.size - pool.idle);
      this.set({ state: "idle" }, pool?.idle ?? 0);
    },
  });
  new Gauge({
    name: "patchbay_db_pool_waiting",
    help: "Statements waiting for a free PostgreSQL pool connection.",
    registers: [registry],
    collect() {
      this.set(readPool?.()?.waiting ?? 0);
    },
  });
  const batches = new Histogram({
    name: "patchbay_execution_record_batch_seconds",
    help: "Time to write one batch of execution records.",
    buckets: BATCH_BUCKETS,
    registers: [registry],
  });
  const rows = new Counter({
    name: "patchbay_execution_records_total",
    help: "Execution records written in batches, by result (written, lost).",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  return {
    rateLimited: (tier) => refused.series(tier).inc(),
    rateLimitFailedOpen: () => failedOpen.inc(),
    watchPool(read) {
      readPool = read;
    },
    recordsWritten(written, lost, seconds) {
      batches.observe(seconds);
      if (written > 0) rows.inc({ result: "written" }, written);
      if (lost > 0) rows.inc({ result: "lost" }, lost);
    },
  };
}
