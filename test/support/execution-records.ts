import pg from "pg";

/** How a command a stop of the server ended is recorded (run-command.ts, error code SERVER_STOPPED). */
export const STOPPED_MESSAGE = "the server stopped before the command finished";

/** An execution record's columns the stop tests compare. */
export interface ExecutionRecordRow {
  id: string;
  protocol: string;
  status: string;
  error_code: string | null;
  message: string | null;
  idempotency_key: string | null;
}

/**
 * The execution records of the database at `url`, on a connection of their own: by `protocol` (then
 * idempotency key), or in the order they were made (`time`).
 */
export async function readExecutionRecords(
  url: string | undefined,
  order: "protocol" | "time",
): Promise<ExecutionRecordRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<ExecutionRecordRow>(
      `select id, protocol, status, error_code, message, idempotency_key from executions
        order by ${order === "protocol" ? "protocol, idempotency_key" : "created_at, id"}`,
    );
    return rows;
  } finally {
    await client.end();
  }
}
