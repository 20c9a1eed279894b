import type { JobWithMetadata } from "pg-boss";
import type { Logger } from "../../logging/logger.ts";
import { type JobQueue, RETRY } from "./job-queue.ts";

/**
 * How many attempts stops may give back to one job: past that, a stop costs the job its attempt as any
 * failure does, so a job whose own run ends the process gracefully (a command that makes the pod be
 * evicted, say) cannot loop forever.
 */
export const MAX_GIVEN_BACK = 3;

/**
 * How long the job waits before its next attempt: a command the stop cancelled may still be ending
 * elsewhere (an external connector's request already sent), and the next attempt should not overlap it.
 */
export const STOPPED_RETRY_DELAY_SECONDS = 5;

/** How many jobs a pg-boss command changed (its declared response type is empty). */
const changed = (response: unknown): number | undefined =>
  (response as { affected?: number; updated?: number } | undefined)?.affected ??
  (response as { updated?: number } | undefined)?.updated;

/**
 * Puts back a claimed job whose attempt the server's stop ended (its command cancelled, or not begun
 * because delivery had paused), due `delaySeconds` later ({@link STOPPED_RETRY_DELAY_SECONDS}) and with the attempt given
 * back: it has as many attempts left as when it was claimed, also when this was its last. Answers false
 * when it did not: stops have given the job {@link MAX_GIVEN_BACK} attempts already, the claim was
 * already lost (the job is someone else's now, and left alone), or the database failed (logged); the
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
  delaySeconds = STOPPED_RETRY_DELAY_SECONDS,
): Promise<boolean> {
  const boss = deps.jobs.boss;
  if (job.retryLimit >= RETRY.retryLimit + MAX_GIVEN_BACK) return false;
  try {
    const db = boss.getDb();
    if (db.beginTransaction === undefined) throw new Error("the job queue's database has no transactions");
    const tx = await db.beginTransaction();
    try {
      const failed = await boss.fail(queue, { id: job.id, retryCount: job.retryCount }, output, {
        db: tx.db,
      });
      // As pg-boss's fail decided: retried while attempts were left (one more allowed here), else dead
      // (retry() allows one more and revives it). Each step must change the one job, or nothing is kept.
      const lastAttempt = job.retryCount >= job.retryLimit;
      const put =
        changed(failed) === 1 &&
        (!lastAttempt || changed(await boss.retry(queue, job.id, { db: tx.db })) === 1) &&
        changed(
          await boss.update(queue, undefined, {
            id: job.id,
            ...(lastAttempt ? {} : { retryLimit: job.retryLimit + 1 }),
            startAfter: delaySeconds,
            db: tx.db,
          }),
        ) === 1;
      if (!put) {
        await tx.rollback();
        return false;
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
