import { Migration } from "@mikro-orm/migrations";

/** Per-user connections to connectors, and OAuth authorization states. */
export class M0004Connections extends Migration {
  override name = "m0004-connections";

  override up(): void {
    this.addSql(`create table connections (
      id uuid primary key,
      tenant_id text not null,
      subject text not null,
      connector_id uuid not null references connectors (id),
      connector_slug text not null,
      label text not null default '',
      status text not null,
      auth_type text not null,
      sealed_credentials text null,
      token_expires_at timestamptz null,
      granted_scopes text[] not null default '{}',
      last_error text null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      deleted_at timestamptz null
    )`);
    this.addSql(
      "create index connections_owner_idx on connections (tenant_id, subject, created_at desc, id desc) where deleted_at is null",
    );
    this.addSql(`create table oauth_states (
      id uuid primary key,
      state_hash text not null,
      connection_id uuid not null references connections (id),
      sealed_code_verifier text not null,
      select_account boolean not null default false,
      expires_at timestamptz not null,
      used_at timestamptz null,
      created_at timestamptz not null,
      constraint oauth_states_state_hash_unique unique (state_hash)
    )`);
  }
}
