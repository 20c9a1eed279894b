import { AsyncLocalStorage } from "node:async_hooks";
import type { PipelinedTransaction } from "../../db/index.ts";
import type { WebhookMetrics } from "../../metrics/index.ts";
import type { JobQueue, WebhookJobData } from "../jobs/job-queue.ts";

/** One verified event waiting to be committed with its job. */
export interface NewEvent {
  readonly eventId: string;
  readonly jobId: string;
  readonly tenantId: string;
  readonly endpointId: string;
  readonly provider: string;
  readonly providerEventId: string;
  /** The verified signature's digest, when the provider event id is not signed (see VerifyOutcome). */
  readonly replayKey: string | null;
  readonly eventKey: string;
  readonly sealedPayload: string;
  readonly receivedAt: Date;
  /** The queue its job goes to, and the job's lease. */
  readonly queue: string;
  readonly leaseSeconds: number;
  readonly targetKind: WebhookJobData["targetKind"];
  /** The receiving span's `traceparent`, kept on the job (traced deliveries only). */
  readonly traceparent?: string | undefined;
}

/** Commits events with their jobs (see {@link createEventWriter}). */
export interface EventWriter {
  /**
   * Resolves once committed: true when stored, false when the endpoint already had this provider event
   * (or this replay key).
   */
  write(event: NewEvent): Promise<boolean>;
  /** Events waiting for a commit to start: they go together in the next one (see {@link createEventWriter}). */
  waiting(): number;
}

// No conflict target: a row is skipped when it repeats either dedupe key of its endpoint, the provider's
// event id (webhook_events_dedupe_idx) or the verified signature (webhook_events_replay_idx).
const INSERT = `insert into webhook_events
  (id, tenant_id, endpoint_id, provider, provider_event_id, event_key, sealed_payload, received_at, job_id,
   replay_key)
select * from unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
  $8::timestamptz[], $9::uuid[], $10::uuid[])
on conflict do nothing
returning id`;

// Replicas take turns committing: each batch's transaction first takes the database's turn (migration
// m0024: an advisory lock held until the transaction ends, waited for at most 200 ms, then the
// connection's own lock_timeout back for the rest of the batch), so while one replica commits, the others'
// deliveries gather into their next batch instead of going in a concurrent transaction. A replica that
// holds its turn and stalls (a paused or dying process) must not stop the others: a turn not given in time
// is skipped, and that batch commits without it.
const TURN = "select webhook_commit_turn()";

/** The turn was not given in time (SQLSTATE 55P03, lock_not_available). */
function isTurnTimeout(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "55P03";
}

/** PostgreSQL refused the data itself (SQLSTATE class 22, data exception, or 23, integrity). */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && (code.startsWith("22") || code.startsWith("23"));
}

interface Waiting {
  readonly event: NewEvent;
  /** When it was written (performance.now()): a batch waits for more at most `waitMs` after its first. */
  readonly at: number;
  resolve(stored: boolean): void;
  reject(error: unknown): void;
  /**
   * For the first of a batch that waits: runs the batch's commit in the async context its write was made
   * in (see `write`).
   */
  readonly restore?: (<R>(work: () => R) => R) | undefined;
}

/** What {@link createEventWriter} batches by. */
export interface EventWriterOptions {
  /** The most deliveries one transaction commits (256). */
  readonly maxBatch?: number;
  /** Transactions committing at once (1). */
  readonly maxInFlight?: number;
  /** Under concurrent load, a batch waits until it holds this many deliveries (8)… */
  readonly fillTo?: number;
  /** …or until its first has waited this long, in ms (10; 0 commits whatever waits at once). */
  readonly waitMs?: number | undefined;
  readonly metrics?: WebhookMetrics | undefined;
}

/**
 * Group commit for the receiver: deliveries that arrive while a transaction is committing wait and go
 * together in the next one (one multi-row INSERT of events, the duplicates skipped by the dedupe index,
 * and one multi-row insert of their jobs), so a burst costs a few commits instead of one per delivery.
 * A batch costs two round trips (BEGIN with the events' INSERT, then the jobs' INSERT with COMMIT; see
 * {@link PipelinedTransaction}). One commit runs at a time by default: measured on PostgreSQL
 * (bench/webhooks), a second concurrent one only splits the batches and costs throughput. Every caller
 * still answers only after its own event and job are committed; copies of one event in the same batch
 * store it once, and only one of them gets `true`.
 *
 * How big a batch gets: a delivery that finds the writer idle, after a commit that left nobody waiting,
 * is committed at once (one at a time, or a sender that waits for each answer, pays no wait). Once
 * deliveries arrive while a commit runs, the load is concurrent, and the next batch waits until it holds
 * `fillTo` deliveries or its first has waited `waitMs`. A transaction costs PostgreSQL a fixed part
 * (BEGIN, COMMIT and its WAL flush: about as much as three deliveries' rows) and the server its round
 * trips, so without the wait a batch held what arrived during one commit: its size, and the cost per
 * delivery, followed each replica's own rate, and the same load spread over more replicas cost the
 * database more per delivery (bench/replicas).
 */
export function createEventWriter(
  transaction: PipelinedTransaction,
  jobs: JobQueue,
  options: EventWriterOptions = {},
): EventWriter {
  const maxBatch = options.maxBatch ?? 256;
  const maxInFlight = options.maxInFlight ?? 1;
  const fillTo = Math.min(options.fillTo ?? 8, maxBatch);
  const waitMs = options.waitMs ?? 10;
  const queue: Waiting[] = [];
  let inFlight = 0;
  // Deliveries arrived while the last commit ran: the next batch waits to fill (see above).
  let concurrent = false;
  let timer: NodeJS.Timeout | undefined;

  /** Counts the committed events by provider. */
  function count(events: readonly NewEvent[], stored: ReadonlySet<string>): void {
    const metrics = options.metrics;
    if (metrics === undefined || stored.size === 0) return;
    const byProvider = new Map<string, number>();
    for (const event of events) {
      if (stored.has(event.eventId))
        byProvider.set(event.provider, (byProvider.get(event.provider) ?? 0) + 1);
    }
    for (const [provider, n] of byProvider) metrics.stored(provider, n);
  }

  async function commit(batch: readonly Waiting[], turn = true): Promise<Set<string>> {
    const events = batch.map((waiting) => waiting.event);
    const column = <T>(pick: (event: NewEvent) => T) => events.map(pick);
    const stored = await transaction(async (tx) => {
      // Sent with BEGIN and the INSERT: waiting for the turn costs no round trip. A turn not given fails
      // every statement behind it; the INSERT then reports the turn's error (answered before its own).
      let turnError: Promise<unknown> = Promise.resolve(undefined);
      if (turn)
        turnError = tx.query(TURN).then(
          () => undefined,
          (error: unknown) => error,
        );
      const { rows } = await tx
        .query(INSERT, [
          column((e) => e.eventId),
          column((e) => e.tenantId),
          column((e) => e.endpointId),
          column((e) => e.provider),
          column((e) => e.providerEventId),
          column((e) => e.eventKey),
          column((e) => e.sealedPayload),
          column((e) => e.receivedAt),
          column((e) => e.jobId),
          column((e) => e.replayKey),
        ])
        .catch(async (error: unknown) => {
          const refused = await turnError;
          throw isTurnTimeout(refused) ? refused : error;
        });
      const stored = new Set(rows.map((row) => String((row as { id: string }).id)));
      const byQueue = new Map<string, NewEvent[]>();
      for (const event of events) {
        if (!stored.has(event.eventId)) continue;
        const list = byQueue.get(event.queue) ?? [];
        list.push(event);
        byQueue.set(event.queue, list);
      }
      const inserts = await Promise.all([...byQueue].map(([name, list]) => jobs.insertStatement(name, list)));
      // The job inserts and COMMIT go out together: one round trip.
      await Promise.all([...inserts.map((insert) => tx.query(insert.text, insert.values)), tx.commit()]);
      return stored;
    });
    count(events, stored);
    return stored;
  }

  function settleStored(batch: readonly Waiting[], stored: ReadonlySet<string>): void {
    for (const waiting of batch) waiting.resolve(stored.has(waiting.event.eventId));
  }

  /** Answers a batch whose commit failed with `error`, retrying what can still be committed. */
  async function settleFailed(batch: readonly Waiting[], error: unknown, turn: boolean): Promise<void> {
    // A turn not given in time: the batch commits without it.
    if (turn && isTurnTimeout(error)) {
      await commit(batch, false).then(
        (stored) => settleStored(batch, stored),
        (again: unknown) => settleFailed(batch, again, false),
      );
      return;
    }
    // A row PostgreSQL refuses for its data must not fail the deliveries it was batched with (other
    // endpoints', other tenants'): each is committed alone, and only the bad one fails.
    if (batch.length === 1 || !isDataError(error)) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    for (const waiting of batch) {
      await commit([waiting]).then(
        (stored) => settleStored([waiting], stored),
        (alone: unknown) => settleFailed([waiting], alone, true),
      );
    }
  }

  /** How long the waiting batch still waits to fill, in ms (0: commit it now). */
  function fillWait(): number {
    const first = queue[0];
    if (!concurrent || waitMs <= 0 || first === undefined || queue.length >= fillTo) return 0;
    return Math.max(0, first.at + waitMs - performance.now());
  }

  function pump(): void {
    while (inFlight < maxInFlight && queue.length > 0) {
      const wait = fillWait();
      if (wait > 0) {
        timer ??= setTimeout(() => {
          timer = undefined;
          pump();
        }, wait);
        return;
      }
      if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
      const batch = queue.splice(0, maxBatch);
      inFlight++;
      const restore = batch[0]?.restore;
      (restore === undefined ? commit(batch) : restore(() => commit(batch)))
        .then(
          (stored) => settleStored(batch, stored),
          (error: unknown) => settleFailed(batch, error, true),
        )
        .finally(() => {
          inFlight--;
          concurrent = queue.length > 0;
          pump();
        });
    }
  }

  return {
    write(event) {
      return new Promise<boolean>((resolve, reject) => {
        // A batch's statements are observed (the tracer's statement spans) in the context of the write
        // that starts it: that delivery's. A lone write commits at once, in its own context; the first
        // write of a batch that waits keeps its context, or its batch would commit in the context of
        // whichever write (or timer) started it, long finished.
        const waits = (inFlight >= maxInFlight || concurrent) && queue.length % maxBatch === 0;
        queue.push({
          event,
          at: performance.now(),
          resolve,
          reject,
          restore: waits ? AsyncLocalStorage.snapshot() : undefined,
        });
        pump();
      });
    },
    waiting: () => queue.length,
  };
}
