import { Migration } from "@mikro-orm/migrations";

/**
 * Idempotent replays stored as the wire messages the call answered (`reply`, proto JSON of
 * `ExecuteResponse` or of the error with its `ExecutionFailure`), instead of a server's internal outcome
 * in `result`. A column of its own rather than a new shape in `result`: during a rolling deploy the
 * replicas still on the previous version read `result`, find it empty and answer "still running"
 * (ABORTED, retried later) instead of failing on a shape they do not know. Rows written before keep their
 * `result`, which this version still replays; nothing is rewritten.
 */
export class M0014ExecutionReplies extends Migration {
  override name = "m0014-execution-replies";

  override up(): void {
    this.addSql("alter table executions add column reply jsonb null");
  }
}
