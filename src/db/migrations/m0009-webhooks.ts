import { Migration } from "@mikro-orm/migrations";

/**
 * Provider webhook endpoints and the verified events they received. The jobs made from events live in
 * pg-boss's own schema (`pgboss`), which the job queue installs and migrates itself at start-up.
 */
export class M0009Webhooks extends Migration {
  override name = "m0009-webhooks";

  override up(): void {
    this.addSql(`create table webhook_endpoints (
      id uuid primary key,
      tenant_id text not null,
      provider text not null,
      connector_slug text not null,
      connection_id uuid null,
      sealed_secret text not null,
      sealed_previous_secret text null,
      previous_secret_expires_at timestamptz null,
      secret_rotated_at timestamptz null,
      sealed_verify_token text null,
      verified boolean not null,
      target_kind text not null,
      target jsonb not null,
      sealed_signing_secret text null,
      duplicate_count bigint not null default 0,
      rejected_count bigint not null default 0,
      last_event_at timestamptz null,
      last_error_code text null,
      last_error_at timestamptz null,
      created_at timestamptz not null,
      deleted_at timestamptz null
    )`);
    this.addSql(
      "create index webhook_endpoints_tenant_idx on webhook_endpoints (tenant_id, created_at desc, id desc) where deleted_at is null",
    );
    this.addSql(`create table webhook_events (
      id uuid primary key,
      tenant_id text not null,
      endpoint_id uuid not null references webhook_endpoints (id),
      provider text not null,
      provider_event_id text not null,
      event_key text not null,
      sealed_payload text not null,
      received_at timestamptz not null,
      job_id uuid not null
    )`);
    // The dedupe: one event per provider event id and endpoint, however many copies arrive at once.
    this.addSql(
      "create unique index webhook_events_dedupe_idx on webhook_events (endpoint_id, provider_event_id)",
    );
    this.addSql(
      "create index webhook_events_endpoint_idx on webhook_events (endpoint_id, received_at desc, id desc)",
    );
    this.addSql("create index webhook_events_job_idx on webhook_events (job_id)");
  }
}
