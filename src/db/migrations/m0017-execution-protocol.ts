import { Migration } from "@mikro-orm/migrations";

/**
 * Execution records say how the run was asked for: `protocol` is the caller's wire protocol (grpc,
 * grpc-web, connect, rest, mcp) or `webhook` for a webhook job's command. Nullable with no default, so
 * adding it rewrites nothing, a replica of the previous release still inserts, and rows written before
 * read as unknown.
 */
export class M0017ExecutionProtocol extends Migration {
  override name = "m0017-execution-protocol";

  override up(): void {
    this.addSql("alter table executions add column protocol text null");
  }
}
