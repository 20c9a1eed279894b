import { Migration } from "@mikro-orm/migrations";

/** The execution log operators read ("what failed and why"), and idempotent replays. */
export class M0005Executions extends Migration {
  override name = "m0005-executions";

  override up(): void {
    this.addSql(`create table executions (
      id uuid primary key,
      tenant_id text not null,
      key_id text not null,
      connector_slug text not null,
      connector_version text not null,
      connection_id uuid null,
      command text not null,
      status text not null,
      code text null,
      error_code text null,
      message text null,
      duration_ms double precision not null,
      diagnostics jsonb null,
      step_id text not null default '',
      run_id text not null default '',
      idempotency_key text null,
      request_hash text null,
      result jsonb null,
      created_at timestamptz not null
    )`);
    this.addSql("create index executions_tenant_idx on executions (tenant_id, created_at desc, id desc)");
    this.addSql(
      "create unique index executions_idempotency_idx on executions (tenant_id, idempotency_key) where idempotency_key is not null",
    );
  }
}
