import { Migration } from "@mikro-orm/migrations";

/** Per-connector opt-in to keep params and payloads in execution records. */
export class M0006RecordPayloads extends Migration {
  override name = "m0006-record-payloads";

  override up(): void {
    this.addSql("alter table connectors add column record_payloads boolean not null default false");
    this.addSql("alter table executions add column params jsonb null");
    this.addSql("alter table executions add column payload jsonb null");
  }
}
