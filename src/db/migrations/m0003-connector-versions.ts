import { Migration } from "@mikro-orm/migrations";

/** Every version of every connector's schema, and connector-level mock mode. */
export class M0003ConnectorVersions extends Migration {
  override name = "m0003-connector-versions";

  override up(): void {
    this.addSql("alter table connectors add column mock_scenario text null");
    this.addSql(`create table connector_versions (
      id uuid primary key,
      connector_id uuid not null references connectors (id),
      version text not null,
      config_schema jsonb not null,
      script_source text null,
      created_at timestamptz not null,
      constraint connector_versions_unique unique (connector_id, version)
    )`);
  }
}
