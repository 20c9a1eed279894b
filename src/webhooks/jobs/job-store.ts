import { type NativeQuery, rowsOf } from "../../db/index.ts";
import { type KeysetPage, keysetSql } from "../../paging/index.ts";
import { DELIVERY_QUEUE } from "./job-queue.ts";

/**
 * The pg-boss release whose private tables this store reads and writes (package.json pins it). pg-boss
 * documents no SQL interface: an upgrade may change them, and `test/webhooks/job-store.test.ts` fails
 * until this store is checked against the new release and this line is updated.
 */
export const PGBOSS_VERSION = "12.38.0";

/** The columns of `pgboss.job` this store uses, with their PostgreSQL types (`udt_name`). */
export const PGBOSS_JOB_COLUMNS: Readonly<Record<string, string>> = {
  id: "uuid",
  name: "text",
  state: "job_state",
  data: "jsonb",
  output: "jsonb",
  retry_count: "int4",
  retry_limit: "int4",
  expire_seconds: "int4",
  start_after: "timestamptz",
  created_on: "timestamptz",
  completed_on: "timestamptz",
};

/** Columns of `pgboss.job j` that `toJobMessage` reads. */
const JOB_COLUMNS =
  "j.id, j.name, j.state, j.retry_count, j.retry_limit, j.start_after, j.created_on, j.completed_on, j.output, j.data";

/** Webhook queues (deliveries and every pull endpoint's queue): the other queues' jobs are never shown. */
const WEBHOOK_QUEUES = `(j.name = '${DELIVERY_QUEUE}' or j.name like 'webhook-pull-%')`;

/** Live webhook jobs of one queue kind in one pg-boss state (see {@link JobStore.liveCounts}). */
export interface LiveJobCount {
  /** `delivery` (the server's queue) or `pull` (every pull endpoint's queue together). */
  readonly queue: "delivery" | "pull";
  /** The pg-boss state: created, retry, active or failed. */
  readonly state: string;
  readonly jobs: number;
  /** Of them, those due now (start_after passed). */
  readonly due: number;
  /** Seconds since the longest-due of them became due; 0 when none is due. */
  readonly oldestDueSeconds: number;
}

/** Filters of {@link JobStore.list}; empty matches any. */
export interface JobFilter {
  /** pg-boss states. */
  readonly states: readonly string[];
  readonly endpointId: string;
}

/**
 * What webhooks read and change in pg-boss's tables beyond its API (which has no listing by tenant, no
 * counts per endpoint and no per-attempt lease). Job rows are returned as selected, for `toJobMessage`.
 */
export interface JobStore {
  /** The tenant's webhook job. */
  find(tenantId: string, jobId: string): Promise<Record<string, unknown> | undefined>;
  /** One page of the tenant's webhook jobs, newest first. */
  list(
    tenantId: string,
    filter: JobFilter,
    page: KeysetPage,
  ): Promise<{ page: Record<string, unknown>[]; next: string }>;
  /** Dead jobs per endpoint, for the given endpoint ids (an endpoint without any is missing). */
  deadJobs(endpointIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * Live webhook jobs (created, retry, active, failed; not completed ones, which retention keeps for a
   * week) by queue kind and state: one aggregate over pg-boss's index of live jobs, never per endpoint.
   */
  liveCounts(): Promise<LiveJobCount[]>;
  /** The pg-boss state of each given webhook job still stored (retention deletes old ones). */
  states(jobIds: readonly string[]): Promise<Map<string, string>>;
  /** The given jobs of one queue. */
  inQueue(queue: string, jobIds: readonly string[]): Promise<Record<string, unknown>[]>;
  /** Sets the lease of the given active jobs (pg-boss set one when they were enqueued). */
  setLease(queue: string, jobIds: readonly string[], seconds: number): Promise<void>;
  /** Moves a retrying job's next attempt to `seconds` from now. */
  delayRetry(queue: string, jobId: string, seconds: number): Promise<void>;
}

/** The webhook jobs' SQL on pg-boss {@link PGBOSS_VERSION}'s tables, on `query`. */
export function createJobStore(query: NativeQuery): JobStore {
  /** The rows of a statement selecting `key` and `value`, as a map. */
  async function keyed(text: string, values: readonly unknown[]): Promise<Map<string, string>> {
    return new Map(rowsOf(await query(text, values)).map((row) => [String(row.key), String(row.value)]));
  }

  return {
    async find(tenantId, jobId) {
      const result = await query(
        `select ${JOB_COLUMNS} from pgboss.job j where ${WEBHOOK_QUEUES} and j.id = $1 and j.data->>'tenantId' = $2`,
        [jobId, tenantId],
      );
      return rowsOf(result)[0];
    },

    async list(tenantId, filter, page) {
      const sql = keysetSql(page, { at: "j.created_on", id: "j.id" });
      const values: unknown[] = [tenantId, filter.states, filter.endpointId];
      const result = await query(
        `select ${JOB_COLUMNS}, ${sql.select} from pgboss.job j
          where ${WEBHOOK_QUEUES} and j.data->>'tenantId' = $1
            and (cardinality($2::text[]) = 0 or j.state::text = any($2::text[]))
            and ($3 = '' or j.data->>'endpointId' = $3) ${sql.after(values)}
          order by j.created_on desc, j.id desc ${sql.limit(values)}`,
        values,
      );
      return page.finish(rowsOf(result), sql.cursorOf);
    },

    async deadJobs(endpointIds) {
      if (endpointIds.length === 0) return new Map();
      const found = await keyed(
        `select j.data->>'endpointId' as key, count(*)::int as value from pgboss.job j
          where ${WEBHOOK_QUEUES} and j.state = 'failed' and j.data->>'endpointId' = any($1::text[])
          group by 1`,
        [endpointIds],
      );
      return new Map([...found].map(([id, n]) => [id, Number(n)]));
    },

    async liveCounts() {
      // The state list repeats pg-boss's partial index predicate (job_i14: name, state, blocked,
      // start_after) so the planner can answer from that index; the clock is the database's.
      const result = await query(
        `select case when j.name = '${DELIVERY_QUEUE}' then 'delivery' else 'pull' end as queue,
            j.state::text as state, count(*)::int as jobs,
            count(*) filter (where j.start_after <= now())::int as due,
            coalesce(extract(epoch from now() - min(j.start_after) filter (where j.start_after <= now())), 0)::float8
              as oldest
          from pgboss.job j
          where j.state in ('created', 'retry', 'active', 'failed') and ${WEBHOOK_QUEUES}
          group by 1, 2`,
      );
      return rowsOf(result).map((row) => ({
        queue: row.queue === "delivery" ? "delivery" : "pull",
        state: String(row.state),
        jobs: Number(row.jobs),
        due: Number(row.due),
        oldestDueSeconds: Math.max(0, Number(row.oldest)),
      }));
    },

    async states(jobIds) {
      if (jobIds.length === 0) return new Map();
      return keyed(
        `select j.id as key, j.state as value from pgboss.job j where ${WEBHOOK_QUEUES} and j.id = any($1::uuid[])`,
        [jobIds],
      );
    },

    async inQueue(queue, jobIds) {
      const result = await query(
        `select ${JOB_COLUMNS} from pgboss.job j where j.name = $1 and j.id = any($2::uuid[])`,
        [queue, jobIds],
      );
      return rowsOf(result);
    },

    async setLease(queue, jobIds, seconds) {
      await query(
        "update pgboss.job set expire_seconds = $1 where name = $2 and id = any($3::uuid[]) and state = 'active'",
        [seconds, queue, jobIds],
      );
    },

    async delayRetry(queue, jobId, seconds) {
      await query(
        "update pgboss.job set start_after = now() + make_interval(secs => $1) where name = $2 and id = $3 and state = 'retry'",
        [seconds, queue, jobId],
      );
    },
  };
}
