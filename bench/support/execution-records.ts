import { query } from "./bench-server.ts";

/** How many execution records a connector has, by the caller's protocol and the run's status. */
export interface ExecutionRecordCount {
  readonly protocol: string;
  readonly status: string;
  readonly n: number;
}

/**
 * Counts a connector's `executions` rows by protocol and status. Read it after the server has stopped:
 * shutdown flushes the execution recorder's last batch.
 */
export async function countExecutionRecords(
  databaseUrl: string,
  connectorSlug: string,
): Promise<ExecutionRecordCount[]> {
  const result = await query(
    databaseUrl,
    `select coalesce(protocol, '') as protocol, status, count(*)::int as n from executions
     where connector_slug = '${connectorSlug.replaceAll("'", "''")}' group by 1, 2 order by 1, 2`,
  );
  return result.rows.map((row) => ({
    protocol: String(row.protocol),
    status: String(row.status),
    n: Number(row.n),
  }));
}

/** The records of the given protocol (all when undefined) and status. */
export function recordsOf(
  counts: readonly ExecutionRecordCount[],
  status: string,
  protocol?: string,
): number {
  return counts
    .filter((c) => c.status === status && (protocol === undefined || c.protocol === protocol))
    .reduce((sum, c) => sum + c.n, 0);
}
