import type { JobWithMetadata } from "pg-boss";
import type { Logger } from "../../logging/logger.ts";
import type { JobQueue } from "./job-queue.ts";

/**
 * Puts back a claimed job whose attempt the server's stop ended (its command cancelled, or not begun
 * because delivery had paused), due at once and with the attempt given back: it has as many attempts
 * left as when it was claimed, also when this was its last. Answers false when it could not: the claim
 * was already lost (the job is someone else's now, and left alone), or the database failed (logged); the
 * caller then fails the attempt as any other.
 *
 * Only pg-boss's API, in one transaction so that no one sees the job in between: the fail is fenced to
 * this attempt (id and retry count) as pg-boss's own settles are, and the attempt is given back by
 * allowing one more, as `retry()` does for a dead job. pg-boss counts an attempt when a job that has run
 * is claimed again, so the job's attempt number moves on, and its limit with it. `restore()`, which
 * would leave the count as it was, is not fenced, and pg-boss's settle after the handler could not tell
 * the restored job's next claim (by another replica) from this one.
 */
export async function requeueStoppedJob(
  deps: { readonly jobs: JobQueue; readonly logger: Logger },
  queue: string,
  job: JobWithMetadata<unknown>,
  output: object,
): Promise<boolean> {
  const boss = deps.jobs.boss;
  try {
    const db = boss.getDb();
    if (db.beginTransaction === undefined) throw new Error("the job queue's database has no transactions");
    const tx = await db.beginTransaction();
    try {
      // pg-boss's declared CommandResponse is empty; the settle answers how many jobs it changed.
      const failed = (await boss.fail(queue, { id: job.id, retryCount: job.retryCount }, output, {
        db: tx.db,
      })) as { affected?: number };
      if (failed.affected !== 1) {
        await tx.rollback();
        return false;
      }
      // As pg-boss's fail decided: retried while attempts were left, else dead.
      if (job.retryCount < job.retryLimit) {
        await boss.update(queue, undefined, {
          id: job.id,
          retryLimit: job.retryLimit + 1,
          startAfter: 0,
          db: tx.db,
        });
      } else {
        await boss.retry(queue, job.id, { db: tx.db });
      }
      await tx.commit();
      return true;
    } catch (error) {
      await tx.rollback();
      throw error;
    }
  } catch (error) {
    deps.logger.warn(
      { code: (error as { code?: unknown }).code ?? "JOB_REQUEUE_FAILED", job: job.id },
      "a job the stop interrupted could not be put back; its attempt counts",
    );
    return false;
  }
}
