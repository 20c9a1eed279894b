import { Migration } from "@mikro-orm/migrations";

/** Script connectors stored before the sandbox existed were marked "coming soon"; they run now. */
export class M0007ScriptsAvailable extends Migration {
  override name = "m0007-scripts-available";

  override up(): void {
    this.addSql(
      "update connectors set availability = null, availability_reason = null where execution_model = 'script' and availability = 'coming_soon'",
    );
  }
}
