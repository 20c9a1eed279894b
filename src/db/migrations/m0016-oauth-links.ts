import { Migration } from "@mikro-orm/migrations";

/**
 * Keyless OAuth start links: one row per link issued, consumed once (`used_at`) by the browser tab that
 * opens it, within `expires_at`. The link itself carries only the row id, signed.
 */
export class M0016OAuthLinks extends Migration {
  override name = "m0016-oauth-links";

  override up(): void {
    this.addSql(`create table oauth_links (
      id uuid primary key,
      connection_id uuid not null references connections (id),
      select_account boolean not null default false,
      expires_at timestamptz not null,
      used_at timestamptz null,
      created_at timestamptz not null
    )`);
  }
}
