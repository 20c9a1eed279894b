import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobWithMetadata } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNativeQuery, type Database, type NativeQuery, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { DELIVERY_QUEUE, type JobQueue, RETRY, startJobQueue } from "../../src/webhooks/jobs/job-queue.ts";
import { MAX_GIVEN_BACK, requeueStoppedJob } from "../../src/webhooks/jobs/requeue-stopped-job.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

const HOUR = 3600;

// A delivery job whose attempt the server's stop ended goes back to the queue, due a little later, with as many
// attempts left as when it was claimed; a job whose claim was lost meanwhile is left to its new holder.
describe("putting back a job the stop interrupted (pg-boss on PostgreSQL)", () => {
  let pg: TestDatabase;
  let dataDir: string;
  let db: Database;
  let query: NativeQuery;
  let queue: JobQueue;
  const logger = createLogger({ level: "silent", format: "json" });
  const STOPPED = { code: "SERVER_STOPPED" };

  beforeAll(async () => {
    pg = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-requeue-"));
    db = await openDatabase({ databaseUrl: pg.url, dataDir, poolMax: 2, logger, entities: ENTITIES });
    query = createNativeQuery(() => db.em());
    queue = await startJobQueue({ db, logger, superviseSeconds: 60 });
  }, 60_000);
  afterAll(async () => {
    await queue?.stop();
    await db?.close();
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  interface Row {
    state: string;
    retry_count: number;
    retry_limit: number;
    /** Due more than half an hour later: the test's delay (an hour) is not over. */
    waits: boolean;
    output: unknown;
  }

  async function row(jobId: string): Promise<Row> {
    const { rows } = await query(
      "select state::text, retry_count, retry_limit, start_after > now() + interval '30 minutes' as waits, output from pgboss.job where id = $1",
      [jobId],
    );
    return rows[0] as Row;
  }

  /** Sends one delivery job and claims it, as the delivery worker would; the queue holds no other due job. */
  async function claim(options: { retryLimit?: number } = {}): Promise<JobWithMetadata<unknown>> {
    const id = await queue.boss.send(DELIVERY_QUEUE, { eventId: randomUUID() }, options);
    return claimAgain(String(id));
  }

  /** Puts the job back as the stop does, due an hour later (the delay is the caller's: 5 s by default). */
  const putBack = (job: JobWithMetadata<unknown>) =>
    requeueStoppedJob({ jobs: queue, logger }, DELIVERY_QUEUE, job, STOPPED, HOUR);

  /** Makes a job put back due now, as its delay's end would. */
  const dueNow = (jobId: string) =>
    queue.boss.update(DELIVERY_QUEUE, undefined, { id: jobId, startAfter: 0 });

  async function claimAgain(jobId: string): Promise<JobWithMetadata<unknown>> {
    const [job] = await queue.boss.fetch(DELIVERY_QUEUE, { batchSize: 1, includeMetadata: true });
    expect(job?.id).toBe(jobId);
    return job as JobWithMetadata<unknown>;
  }

  it("puts a claimed job back, due after the delay, with as many attempts left as before its claim", async () => {
    const job = await claim();
    const left = job.retryLimit - job.retryCount;
    expect(await putBack(job)).toBe(true);

    expect(await row(job.id)).toEqual({
      state: "retry",
      retry_count: job.retryCount,
      retry_limit: job.retryLimit + 1,
      waits: true,
      output: STOPPED,
    });
    // Its next claim is the attempt the stop took, run again: the same number of attempts remains.
    await dueNow(job.id);
    const again = await claimAgain(job.id);
    expect(again.retryLimit - again.retryCount).toBe(left);
    await queue.boss.complete(DELIVERY_QUEUE, again.id);
  });

  it("gives its last attempt back instead of leaving it dead", async () => {
    const job = await claim({ retryLimit: 0 });
    expect(await putBack(job)).toBe(true);
    expect(await row(job.id)).toMatchObject({ state: "retry", retry_limit: 1, waits: true });

    // That attempt, and no other: failing it leaves the job dead.
    await dueNow(job.id);
    const again = await claimAgain(job.id);
    await queue.boss.fail(DELIVERY_QUEUE, again, { code: "HTTPS_TARGET_500" });
    expect((await row(job.id)).state).toBe("failed");
  });

  it("leaves a job whose claim was lost to its new holder", async () => {
    const job = await claim();
    // The lease ended and another worker claimed the job again before the stop's requeue.
    await queue.boss.fail(DELIVERY_QUEUE, job, { code: "LEASE_EXPIRED" });
    await queue.boss.update(DELIVERY_QUEUE, undefined, { id: job.id, startAfter: 0 });
    const theirs = await claimAgain(job.id);
    const held = await row(job.id);
    expect(held).toMatchObject({ state: "active", retry_count: job.retryCount + 1 });

    expect(await putBack(job)).toBe(false);
    expect(await row(job.id)).toEqual(held);
    await queue.boss.complete(DELIVERY_QUEUE, theirs);
  });

  it("gives back no more than its share of attempts: past it, a stop costs the job its attempt", async () => {
    // A job whose limit stops have raised as far as they may (the queue's own, plus what was given back).
    const job = await claim({ retryLimit: RETRY.retryLimit + MAX_GIVEN_BACK });
    const held = await row(job.id);
    expect(await putBack(job)).toBe(false);
    // Left as claimed: the worker then fails the attempt as any other, and the job's retries go on.
    expect(await row(job.id)).toEqual(held);
    await queue.boss.fail(DELIVERY_QUEUE, job, STOPPED);
    expect(await row(job.id)).toMatchObject({
      state: "retry",
      retry_limit: RETRY.retryLimit + MAX_GIVEN_BACK,
    });
  });
});
