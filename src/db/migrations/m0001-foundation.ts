import { Migration } from "@mikro-orm/migrations";

/** API keys and the connector catalog. Plain SQL valid on PostgreSQL 15 and later. */
export class M0001Foundation extends Migration {
  override name = "m0001-foundation";

  override up(): void {
    this.addSql(`create table api_keys (
      id uuid primary key,
      tenant_id text not null,
      subject text not null,
      name text not null,
      prefix text not null,
      key_hash text not null,
      scopes text[] not null,
      created_at timestamptz not null,
      last_used_at timestamptz null,
      revoked_at timestamptz null,
      constraint api_keys_key_hash_unique unique (key_hash)
    )`);
    this.addSql("create index api_keys_tenant_idx on api_keys (tenant_id, created_at)");
    this.addSql(`create table connectors (
      id uuid primary key,
      slug text not null,
      name text not null,
      description text not null default '',
      type text not null,
      execution_model text not null,
      auth_type text not null,
      category text not null default '',
      tags jsonb not null default '[]',
      version text not null,
      config_schema jsonb not null,
      built_in boolean not null default false,
      availability text null,
      availability_reason text null,
      sealed_config text null,
      endpoint_url text null,
      protocol text null,
      script_source text null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      deleted_at timestamptz null,
      constraint connectors_slug_unique unique (slug)
    )`);
  }
}
