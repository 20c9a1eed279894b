import { Migration } from "@mikro-orm/migrations";

/**
 * Execution records say when the command they ran was deprecated: `deprecation` holds its deprecation
 * message (null for every other run, and for rows written before). Nullable with no default, so adding
 * it rewrites nothing, and a replica of the previous release, which inserts without it, still writes.
 */
export class M0015ExecutionDeprecation extends Migration {
  override name = "m0015-execution-deprecation";

  override up(): void {
    this.addSql("alter table executions add column deprecation text null");
  }
}
