import type { NativeQuery } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { ExecutionRow } from "./execution-entity.ts";

// One statement per batch whatever its size, its rows one JSON parameter (an array of arrays, in the
// columns' order). JSON.stringify builds it natively; node-postgres builds array parameters element by
// element in JavaScript, which cost more than twice as much per row for the same work in PostgreSQL.
const INSERT = `insert into executions (id, tenant_id, key_id, connector_slug, connector_version,
  connection_id, command, status, code, error_code, message, duration_ms, diagnostics, step_id, run_id,
  idempotency_key, request_hash, result, created_at, params, payload, subject, deprecation,
  protocol, mock_scenario)
select (r->>0)::uuid, r->>1, r->>2, r->>3, r->>4, (r->>5)::uuid, r->>6, r->>7, r->>8, r->>9, r->>10,
  (r->>11)::float8, nullif(r->12, 'null'), r->>13, r->>14, r->>15, r->>16, nullif(r->17, 'null'),
  (r->>18)::timestamptz, nullif(r->19, 'null'), nullif(r->20, 'null'), r->>21, r->>22, r->>23, r->>24
from jsonb_array_elements($1::jsonb) as r`;

/** Inserts a batch without the ORM's per-entity work: this runs for every Execute call. */
async function insertRows(query: NativeQuery, rows: readonly ExecutionRow[]): Promise<void> {
  // Rows of one millisecond (a dozen under load) share their timestamp's text: formatting a Date costs
  // about a microsecond, as much as the rest of a row's columns.
  let lastMs = Number.NaN;
  let lastText = "";
  const timestamp = (at: Date) => {
    const ms = at.getTime();
    if (ms !== lastMs) {
      lastMs = ms;
      lastText = at.toISOString();
    }
    return lastText;
  };
  const values = rows.map((r) => [
    r.id,
    r.tenantId,
    r.keyId,
    r.connectorSlug,
    r.connectorVersion,
    r.connectionId ?? null,
    r.command,
    r.status,
    r.code ?? null,
    r.errorCode ?? null,
    r.message ?? null,
    r.durationMs,
    r.diagnostics ?? null,
    r.stepId,
    r.runId,
    r.idempotencyKey ?? null,
    r.requestHash ?? null,
    r.result ?? null,
    timestamp(r.createdAt),
    r.params ?? null,
    r.payload ?? null,
    r.subject ?? "",
    r.deprecation ?? null,
    r.protocol ?? null,
    r.mockScenario ?? null,
  ]);
  await query(INSERT, [JSON.stringify(values)]);
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
export async function writeBatch(
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
