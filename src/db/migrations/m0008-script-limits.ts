import { Migration } from "@mikro-orm/migrations";

/** Per-connector sandbox limits of script connectors (null: the defaults). */
export class M0008ScriptLimits extends Migration {
  override name = "m0008-script-limits";

  override up(): void {
    this.addSql("alter table connectors add column script_limits jsonb null");
  }
}
