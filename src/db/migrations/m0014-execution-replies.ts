import { Migration } from "@mikro-orm/migrations";

/**
 * Idempotent replays stored as the wire messages the call answered (`reply`, proto JSON of
 * `ExecuteResponse` or of the error with its `ExecutionFailure`), instead of a server's internal outcome
 * in `result`. A column of its own rather than a new shape in `result`: this release still writes the
 * previous release's outcome to `result` beside it, so replicas of that release (during a rolling deploy,
 * or after a rollback) replay the call as before. Rows written before keep their `result`, which this
 * release still replays; nothing is rewritten. The next release stops writing `result`.
 */
export class M0014ExecutionReplies extends Migration {
  override name = "m0014-execution-replies";

  override up(): void {
    this.addSql("alter table executions add column reply jsonb null");
  }
}
