import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { createLabeledCounter } from "./labeled-counter.ts";

/** One database pool's connections now (what `Database.poolLoad` answers for the ORM's). */
export interface PoolReading {
  readonly size: number;
  readonly idle: number;
  readonly waiting: number;
}

/**
 * A process's PostgreSQL pools: the ORM's (API calls and background work), the webhook event writer's,
 * and the job queue's (pg-boss: deliveries, ClaimJobs).
 */
const DB_POOLS = ["main", "events", "jobs"] as const;
export type DbPool = (typeof DB_POOLS)[number];

/** Metrics of the parts every feature leans on: rate limits, the database pools, execution records. */
export interface PlatformMetrics {
  /** A call refused by its key's rate limit, by the tier it was limited as. */
  rateLimited(tier: string): void;
  /** A call let through unlimited because the rate-limit store failed (fail open). */
  rateLimitFailedOpen(): void;
  /** Reads every pool at each scrape; a pool not open yet (undefined) reads as empty. */
  watchPools(read: () => Readonly<Record<DbPool, PoolReading | undefined>>): void;
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
  let readPools: (() => Readonly<Record<DbPool, PoolReading | undefined>>) | undefined;
  new Gauge({
    name: "patchbay_db_pool_connections",
    help: "PostgreSQL pool connections of this process, by pool (main, events, jobs) and state (in_use, idle).",
    labelNames: ["pool", "state"] as const,
    registers: [registry],
    collect() {
      const pools = readPools?.();
      for (const pool of DB_POOLS) {
        const reading = pools?.[pool];
        this.set({ pool, state: "in_use" }, reading === undefined ? 0 : reading.size - reading.idle);
        this.set({ pool, state: "idle" }, reading?.idle ?? 0);
      }
    },
  });
  new Gauge({
    name: "patchbay_db_pool_waiting",
    help: "Work waiting for a free PostgreSQL pool connection, by pool (main, events, jobs).",
    labelNames: ["pool"] as const,
    registers: [registry],
    collect() {
      const pools = readPools?.();
      for (const pool of DB_POOLS) this.set({ pool }, pools?.[pool]?.waiting ?? 0);
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
    watchPools(read) {
      readPools = read;
    },
    recordsWritten(written, lost, seconds) {
      batches.observe(seconds);
      if (written > 0) rows.inc({ result: "written" }, written);
      if (lost > 0) rows.inc({ result: "lost" }, lost);
    },
  };
}
