import { Migration } from "@mikro-orm/migrations";

/**
 * Tenant-owned catalog. A connector created through the API belongs to the tenant that created it
 * (`tenant_id`); built-in types and seeded connectors have none and are shared, read-only. An admin may
 * publish a tenant's connector to every tenant (`published`). Slugs are unique per tenant (shared rows
 * count as one more tenant).
 *
 * Existing API-created rows move to the bootstrap tenant ("default"). A row that connections of another
 * tenant already use is published as well, so that no existing connection stops working; an operator
 * reviews those with `published: true` in ListConnectors.
 *
 * Execution records gain the subject of the key that ran them (records are the subject's, plus admin
 * keys'), filled from the key for existing rows; idempotency keys become per subject.
 */
export class M0011TenantCatalog extends Migration {
  override name = "m0011-tenant-catalog";

  override up(): void {
    this.addSql("alter table connectors add column tenant_id text null");
    this.addSql("alter table connectors add column published boolean not null default false");
    this.addSql("update connectors set tenant_id = 'default' where built_in = false");
    this.addSql(`update connectors c set published = true
      where c.built_in = false and exists (
        select 1 from connections n
        where n.connector_id = c.id and n.deleted_at is null and n.tenant_id <> 'default')`);
    this.addSql("alter table connectors drop constraint connectors_slug_unique");
    this.addSql(
      "create unique index connectors_tenant_slug_unique on connectors (coalesce(tenant_id, ''), slug)",
    );
    this.addSql("create index connectors_slug_idx on connectors (slug, id) where deleted_at is null");
    // A slug names one connector in every tenant's view: two shared (built-in or published) rows may
    // not share it, even when two admins publish at once.
    this.addSql(
      "create unique index connectors_shared_slug_unique on connectors (slug) where (published or tenant_id is null) and deleted_at is null",
    );
    this.addSql(
      "create index connections_connector_idx on connections (connector_id) where deleted_at is null",
    );
    this.addSql("alter table executions add column subject text not null default ''");
    this.addSql(`update executions e set subject = k.subject
      from api_keys k where k.id::text = e.key_id`);
    this.addSql(
      "create index executions_subject_idx on executions (tenant_id, subject, created_at desc, id desc)",
    );
    // Idempotency keys are the subject's: another subject's key must neither replay nor block.
    this.addSql("drop index executions_idempotency_idx");
    this.addSql(
      "create unique index executions_idempotency_idx on executions (tenant_id, subject, idempotency_key) where idempotency_key is not null",
    );
  }
}
