import { Migration } from "@mikro-orm/migrations";

/**
 * OpenAPI-derived connectors: the execution plan derived from the description, kept with the connector
 * and with each version, the operations the connector was imported with (null: all), and the OAuth settings of a stored connector (an imported authorization-code
 * flow).
 */
export class M0010OpenApiConnectors extends Migration {
  override name = "m0010-openapi-connectors";

  override up(): void {
    this.addSql("alter table connectors add column openapi_plan jsonb null");
    this.addSql("alter table connectors add column oauth_settings jsonb null");
    this.addSql("alter table connectors add column openapi_operations jsonb null");
    this.addSql("alter table connector_versions add column openapi_plan jsonb null");
  }
}
