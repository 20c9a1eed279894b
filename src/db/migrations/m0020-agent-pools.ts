import { Migration } from "@mikro-orm/migrations";

/**
 * An API key with scope `agent` is bound to one on-premise agent pool at creation (`agent_pool`); every
 * other key has none. Nullable with no default, so adding it rewrites nothing and a replica of the
 * previous release still inserts keys.
 */
export class M0020AgentPools extends Migration {
  override name = "m0020-agent-pools";

  override up(): void {
    this.addSql("alter table api_keys add column agent_pool text null");
  }
}
