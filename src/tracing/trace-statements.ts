import { SpanKind, trace } from "@opentelemetry/api";
import type { StatementObserver } from "../db/index.ts";
import { failSpan, type Tracing } from "./tracing.ts";

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** A failed statement's code: PostgreSQL's SQLSTATE, the caller hook's code, or `db_error`. */
function codeOf(error: unknown): string {
  for (let e = error, depth = 0; typeof e === "object" && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (SQLSTATE.test(code) || code === "CALLER_GONE")) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return "db_error";
}

/**
 * Database statements as client spans of the span the running code works in ({@link Tracing.run}):
 * named `SELECT connections` (operation and table), with the semantic conventions' db.* and server.*
 * attributes. The statement's text, parameters and rows are never kept. Statements outside a traced
 * piece of work (or in an unsampled one) make no span.
 */
export function traceStatements(tracing: Tracing): StatementObserver {
  return (statement) => {
    const parent = tracing.active();
    if (parent === undefined || trace.getSpan(parent)?.isRecording() !== true) return undefined;
    const summary =
      statement.collection === undefined
        ? statement.operation
        : `${statement.operation} ${statement.collection}`;
    const { span } = tracing.start(
      summary,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          "db.system.name": "postgresql",
          "db.operation.name": statement.operation,
          "db.query.summary": summary,
          ...(statement.collection === undefined ? {} : { "db.collection.name": statement.collection }),
          ...(statement.database === undefined ? {} : { "db.namespace": statement.database }),
          "server.address": statement.host,
          "server.port": statement.port,
        },
      },
      parent,
    );
    return (error) => {
      if (error !== undefined) {
        const code = codeOf(error);
        if (SQLSTATE.test(code)) span.setAttribute("db.response.status_code", code);
        failSpan(span, code);
      }
      span.end();
    };
  };
}
