import type { EntityManager } from "@mikro-orm/sql";
import { createNativeQuery, type NativeQuery } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { PlatformMetrics } from "../metrics/index.ts";
import type { ExecutionRow } from "./execution-entity.ts";

// One statement per batch whatever its size: each column is one array parameter.
const INSERT = `insert into executions (id, tenant_id, key_id, connector_slug, connector_version,
  connection_id, command, status, code, error_code, message, duration_ms, diagnostics, step_id, run_id,
  idempotency_key, request_hash, result, created_at, params, payload, subject, deprecation,
  protocol, mock_scenario)
select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::text[],
  $8::text[], $9::text[], $10::text[], $11::text[], $12::float8[], $13::jsonb[], $14::text[], $15::text[],
  $16::text[], $17::text[], $18::jsonb[], $19::timestamptz[], $20::jsonb[], $21::jsonb[], $22::text[],
  $23::text[], $24::text[], $25::text[])`;

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
    column((r) => r.subject ?? ""),
    column((r) => r.deprecation ?? null),
    column((r) => r.protocol ?? null),
    column((r) => r.mockScenario ?? null),
  ]);
}

// PostgreSQL refused the rows themselves (class 22, data exception: a U+0000 in text, bad JSON; class 23,
// integrity: a duplicate id), not the connection: one row may be the cause, so the others are kept.
const ROW_ERROR = /^2[23]/;
const INVALID_TEXT = "[invalid text]";
// What jsonb refuses in JSON.stringify's output: an escaped U+0000, an escaped lone surrogate.
const BAD_JSON = /\\u0000|\\ud[89a-f][0-9a-f]{2}/i;

const cleanText = (text: string) => (text.includes("\0") || !text.isWellFormed() ? INVALID_TEXT : text);
const cleanNullable = (text: string | null | undefined) => (text == null ? text : cleanText(text));
const cleanJson = (value: Record<string, unknown> | null | undefined) =>
  value == null || !BAD_JSON.test(JSON.stringify(value)) ? value : { invalidText: true };

/** The row with every text PostgreSQL cannot store replaced by a placeholder. */
function withCleanText(row: ExecutionRow): ExecutionRow {
  return {
    ...row,
    tenantId: cleanText(row.tenantId),
    subject: cleanText(row.subject ?? ""),
    keyId: cleanText(row.keyId),
    connectorSlug: cleanText(row.connectorSlug),
    connectorVersion: cleanText(row.connectorVersion),
    command: cleanText(row.command),
    // status is one of EXECUTION_STATUSES: nothing to clean.
    status: row.status,
    code: cleanNullable(row.code),
    errorCode: cleanNullable(row.errorCode),
    message: cleanNullable(row.message),
    stepId: cleanText(row.stepId),
    runId: cleanText(row.runId),
    idempotencyKey: cleanNullable(row.idempotencyKey),
    requestHash: cleanNullable(row.requestHash),
    deprecation: cleanNullable(row.deprecation),
    protocol: cleanNullable(row.protocol),
    mockScenario: cleanNullable(row.mockScenario),
    diagnostics: cleanJson(row.diagnostics),
    result: cleanJson(row.result),
    params: cleanJson(row.params),
    payload: cleanJson(row.payload),
  };
}

const sqlState = (error: unknown) => String((error as { code?: unknown } | null)?.code ?? "");

/**
 * Writes a batch; when PostgreSQL refuses its rows, writes them one by one, each refused one again with
 * its text replaced ({@link withCleanText}), so that one bad row (a U+0000 a connector returned) never
 * costs the other calls their records. Logged once per batch, without the rows' content.
 */
async function writeBatch(
  query: NativeQuery,
  batch: readonly ExecutionRow[],
  logger: Logger,
): Promise<{ lost: number }> {
  try {
    await insertRows(query, batch);
    return { lost: 0 };
  } catch (error) {
    const code = sqlState(error);
    if (!ROW_ERROR.test(code)) {
      logger.error({ err: error, records: batch.length }, "execution records could not be written");
      return { lost: batch.length };
    }
    let replaced = 0;
    let lost = 0;
    for (const row of batch) {
      try {
        await insertRows(query, [row]);
        continue;
      } catch {
        // This row is the bad one (or one of them); its clean form follows.
      }
      try {
        await insertRows(query, [withCleanText(row)]);
        replaced += 1;
      } catch {
        lost += 1;
      }
    }
    // The database's message may quote the refused value, so only its SQLSTATE is logged.
    logger.error(
      { code, records: batch.length, replaced, lost },
      "execution records: PostgreSQL refused a batch; rows written one by one, bad text replaced",
    );
    return { lost };
  }
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
  options: {
    flushMs?: number;
    batchSize?: number;
    /** Counts batches and the records written or lost; undefined when metrics are off. */
    metrics?: Pick<PlatformMetrics, "recordsWritten"> | undefined;
  } = {},
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
      const started = performance.now();
      const { lost } = await writeBatch(query, batch, logger);
      options.metrics?.recordsWritten(batch.length - lost, lost, (performance.now() - started) / 1000);
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
