import { HOURLY, type NativeQuery, startSweep } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";

const BATCH = 5_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes execution records older than the retention, in batches so that no statement holds many rows
 * locked. Returns how many it deleted. Idempotency keys live 24 h and the retention is at least a day,
 * so a replay never finds its record swept.
 */
export async function sweepExecutions(query: NativeQuery, retentionDays: number, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS).toISOString();
  let deleted = 0;
  for (;;) {
    const { rowCount } = await query(
      "delete from executions where id in (select id from executions where created_at < $1::timestamptz limit $2)",
      [cutoff, BATCH],
    );
    deleted += rowCount;
    if (rowCount < BATCH) return deleted;
  }
}

/** Sweeps once shortly after start and then hourly; returns the function that stops it (and waits for a sweep in progress). */
export function startRetentionSweep(
  query: NativeQuery,
  retentionDays: number,
  logger: Logger,
  now: () => Date,
): () => Promise<void> {
  return startSweep(
    () =>
      sweepExecutions(query, retentionDays, now()).then(
        (deleted) => {
          if (deleted > 0)
            logger.info({ deleted, retentionDays }, "execution records past retention deleted");
        },
        (error: unknown) =>
          logger.warn({ err: error }, "execution retention sweep failed; retrying next hour"),
      ),
    HOURLY,
  );
}
