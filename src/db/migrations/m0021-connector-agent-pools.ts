import { Migration } from "@mikro-orm/migrations";

/**
 * A connector instance may send its commands' HTTP requests through an on-premise agent pool
 * (`agent_pool`, looked up in the calling key's tenant). Nullable with no default: adding it rewrites
 * nothing, and a replica of the previous release ignores it (its requests go out directly).
 */
export class M0021ConnectorAgentPools extends Migration {
  override name = "m0021-connector-agent-pools";

  override up(): void {
    this.addSql("alter table connectors add column agent_pool text null");
  }
}
