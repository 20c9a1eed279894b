import { Migration } from "@mikro-orm/migrations";

/**
 * What a connector's commands do (read-only, destructive, idempotent) is stored beside `config_schema`,
 * not in it: the previous release reads `config_schema` as proto JSON and refuses keys it does not know,
 * so a hint written into it would break that release's catalog reads and its start-up sync after a
 * rollback. Nullable with no default: adding it rewrites nothing, the previous release still inserts,
 * and rows without it read as "not declared".
 */
export class M0018CommandEffects extends Migration {
  override name = "m0018-command-effects";

  override up(): void {
    this.addSql("alter table connectors add column command_effects jsonb null");
    this.addSql("alter table connector_versions add column command_effects jsonb null");
  }
}
