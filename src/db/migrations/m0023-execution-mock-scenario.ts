import { Migration } from "@mikro-orm/migrations";

/**
 * Execution records say when a mock scenario answered instead of the command (`mock_scenario`: the
 * call's own, or the connector's mock mode). Nullable with no default, so adding it rewrites nothing, a
 * replica of the previous release still inserts, and rows written before read as real runs.
 */
export class M0023ExecutionMockScenario extends Migration {
  override name = "m0023-execution-mock-scenario";

  override up(): void {
    this.addSql("alter table executions add column mock_scenario text null");
  }
}
