import type pg from "pg";
import { PgBoss } from "pg-boss";
import { type Database, type PoolLoad, readPoolLoad } from "../../db/index.ts";
import type { Logger } from "../../logging/logger.ts";
import type { StoredTarget } from "../endpoints/endpoint-row.ts";
import { withQueueParameter } from "./with-queue-parameter.ts";

/** Jobs this server delivers itself (HTTPS and command targets). */
export const DELIVERY_QUEUE = "webhook-deliveries";

/** The queue a pull endpoint's jobs wait in until ClaimJobs leases them. */
export function pullQueue(endpointId: string): string {
  return `webhook-pull-${endpointId}`;
}

/** What a job carries: pointers, never the payload (the event row holds it, sealed). */
export interface WebhookJobData {
  readonly eventId: string;
  readonly endpointId: string;
  readonly tenantId: string;
  readonly targetKind: StoredTarget["kind"];
  /** The receiving span's W3C `traceparent`, when the delivery was traced: its delivery continues it. */
  readonly traceparent?: string | undefined;
}

/** Attempts before a job is dead, and the backoff between them (pg-boss adds jitter: d·2ⁿ to d·2ⁿ⁺¹). */
export const RETRY = { retryLimit: 7, retryDelay: 5, retryBackoff: true, retryDelayMax: 3600 } as const;

/** A statement with its `$n` values. */
export interface JobInsertStatement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/** Options of {@link startJobQueue}. */
export interface JobQueueOptions {
  readonly db: Database;
  readonly logger: Logger;
  /** How often expired leases are looked for (a crashed worker's job is picked up again). */
  readonly superviseSeconds: number;
}

/** pg-boss on Patchbay's database, with the queues webhooks use. */
export interface JobQueue {
  readonly boss: PgBoss;
  /**
   * The statement that enqueues one job per event, rendered by pg-boss (its queue's table, defaults and
   * NOTIFY) but not run: the caller sends it inside the transaction that stores the events, so the jobs
   * exist exactly when that transaction commits.
   */
  insertStatement(
    queue: string,
    events: readonly (WebhookJobData & { readonly jobId: string; readonly leaseSeconds: number })[],
  ): Promise<JobInsertStatement>;
  /** Creates a pull endpoint's queue (idempotent). Outside any transaction. */
  ensurePullQueue(endpointId: string): Promise<void>;
  /** pg-boss's pool now: its connections, and its statements waiting for one (ClaimJobs', the worker's). */
  poolLoad(): PoolLoad;
  stop(): Promise<void>;
}

/**
 * Starts pg-boss (a proven PostgreSQL job queue: retries with backoff and jitter, leases, dead jobs) on
 * the same database as everything else, on a small pool of its own (LISTEN/NOTIFY needs one). It installs and migrates its `pgboss` schema itself.
 */
// Pull queues have no worker to wake (ClaimJobs fetches them when a caller asks), so their inserts send
// no NOTIFY: PostgreSQL serializes every notifying commit in the cluster on one lock and wakes every
// listening connection, which with two replicas' event writers cost a third more database time per
// delivery (bench/replicas). Queues made before this rule had it on; they are switched off before
// pg-boss starts (and caches its queues), when its schema is already there.
const PULL_QUEUE_OPTIONS = { ...RETRY, expireInSeconds: 60, notify: false } as const;
const PULL_QUEUES_QUIET = `do $$ begin
  if exists (select 1 from information_schema.columns
             where table_schema = 'pgboss' and table_name = 'queue' and column_name = 'notify') then
    update pgboss.queue set notify = false where name like 'webhook-pull-%' and notify;
  end if;
end $$`;

export async function startJobQueue(options: JobQueueOptions): Promise<JobQueue> {
  await options.db.em().getConnection().execute(PULL_QUEUES_QUIET);
  const common = {
    schedule: false,
    superviseIntervalSeconds: options.superviseSeconds,
    monitorIntervalSeconds: options.superviseSeconds,
    useListenNotify: true,
  } as const;
  const boss = new PgBoss({
    ...common,
    connectionString: options.db.url,
    max: 4,
    application_name: "patchbay-jobs",
  });
  // Without a listener an 'error' (a dropped connection) would end the process.
  boss.on("error", (error: Error & { code?: string }) =>
    options.logger.error({ code: error.code ?? "JOB_QUEUE_ERROR" }, "job queue error"),
  );
  boss.on("warning", (warning: { message?: string }) =>
    options.logger.warn({ warning: warning.message ?? "" }, "job queue warning"),
  );
  // Observed as the other pools are (the tracer's statement spans): pg-boss opens its pool in `start()`
  // unless it is open already, so it is opened here first, to be observed from its first connection.
  // `open` and `pool` are pg-boss's own pool-based `Db`'s (the release job-store.ts pins), not its API.
  const bossDb = boss.getDb() as unknown as { open(): Promise<void>; readonly pool: pg.Pool };
  await bossDb.open();
  options.db.observePool(bossDb.pool);
  await boss.start();
  // The worker refreshes a heartbeat every 5 s: a job whose worker died (SIGKILL) is failed by the
  // supervisor about 10 s later and retried, instead of waiting out the 120 s lease, which stays as the
  // limit for a worker that is alive but stuck. (createQueue leaves an existing queue as it is.)
  const delivery = { ...RETRY, expireInSeconds: 120, heartbeatSeconds: 10, notify: true };
  await boss.createQueue(DELIVERY_QUEUE, delivery);
  await boss.updateQueue(DELIVERY_QUEUE, delivery);
  const known = new Set<string>([DELIVERY_QUEUE]);

  return {
    boss,
    async insertStatement(queue, events) {
      let rendered: JobInsertStatement | undefined;
      await boss.insert(
        queue,
        events.map((event) => ({
          id: event.jobId,
          data: {
            eventId: event.eventId,
            endpointId: event.endpointId,
            tenantId: event.tenantId,
            targetKind: event.targetKind,
            ...(event.traceparent === undefined ? {} : { traceparent: event.traceparent }),
          },
          expireInSeconds: event.leaseSeconds,
        })),
        {
          // pg-boss's `db` adapter: it hands over its one INSERT (and reads no rows back without a spy
          // or returnId), so taking the statement here instead of running it changes nothing else.
          db: {
            executeSql: async (text, values) => {
              rendered = { text, values: values ?? [] };
              return { rows: [] };
            },
          },
        },
      );
      if (rendered === undefined) throw new Error("the job queue rendered no insert statement");
      return withQueueParameter(rendered, queue);
    },
    async ensurePullQueue(endpointId) {
      const name = pullQueue(endpointId);
      if (known.has(name)) return;
      await boss.createQueue(name, PULL_QUEUE_OPTIONS);
      known.add(name);
    },
    poolLoad: () => readPoolLoad(bossDb.pool),
    stop: () => boss.stop({ timeout: 10_000 }),
  };
}
