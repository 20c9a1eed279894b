import type { EntityManager } from "@mikro-orm/sql";
import { createNativeQuery, type NativeQuery } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { ExecutionRow } from "./execution-entity.ts";

// One statement per batch whatever its size: each column is one array parameter.
const INSERT = `insert into executions (id, tenant_id, key_id, connector_slug, connector_version,
  connection_id, command, status, code, error_code, message, duration_ms, diagnostics, step_id, run_id,
  idempotency_key, request_hash, result, created_at, params, payload)
select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::text[],
  $8::text[], $9::text[], $10::text[], $11::text[], $12::float8[], $13::jsonb[], $14::text[], $15::text[],
  $16::text[], $17::text[], $18::jsonb[], $19::timestamptz[], $20::jsonb[], $21::jsonb[])`;

const json = (value: Record<string, unknown> | null | undefined) =>
  value == null ? null : JSON.stringify(value);

/** Inserts a batch without the ORM's per-entity work: this runs for every Execute call. */
async function insertRows(query: NativeQuery, rows: readonly ExecutionRow[]): Promise<void> {
  const column = <T>(pick: (row: ExecutionRow) => T) => rows.map(pick);
  await query(INSERT, [
    column((r) => r.id),
    column((r) => r.tenantId),
    column((r) => r.keyId),
    column((r) => r.connectorSlug),
    column((r) => r.connectorVersion),
    column((r) => r.connectionId ?? null),
    column((r) => r.command),
    column((r) => r.status),
    column((r) => r.code ?? null),
    column((r) => r.errorCode ?? null),
    column((r) => r.message ?? null),
    column((r) => r.durationMs),
    column((r) => json(r.diagnostics)),
    column((r) => r.stepId),
    column((r) => r.runId),
    column((r) => r.idempotencyKey ?? null),
    column((r) => r.requestHash ?? null),
    column((r) => json(r.result)),
    column((r) => r.createdAt.toISOString()),
    column((r) => json(r.params)),
    column((r) => json(r.payload)),
  ]);
}

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
  const query = createNativeQuery(em);
  let queue: ExecutionRow[] = [];
  let writing: Promise<void> = Promise.resolve();

  const flush = () => {
    const batch = queue;
    queue = [];
    if (batch.length === 0) return writing;
    writing = writing.then(async () => {
      try {
        await insertRows(query, batch);
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
