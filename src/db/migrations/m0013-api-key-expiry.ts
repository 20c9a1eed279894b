import { Migration } from "@mikro-orm/migrations";

/**
 * API keys that end: `expires_at` (set when a key is created with an expiry, and by a rotation, which
 * gives the old key an overlap window), and `replaced_by`, the key a rotation issued in its place. Keys
 * stored before have neither: they do not expire and were never rotated.
 */
export class M0013ApiKeyExpiry extends Migration {
  override name = "m0013-api-key-expiry";

  override up(): void {
    this.addSql("alter table api_keys add column expires_at timestamptz null");
    this.addSql("alter table api_keys add column replaced_by uuid null");
    // The expiry sweep looks only at keys that expire and are not revoked yet.
    this.addSql(
      "create index api_keys_expiry_idx on api_keys (expires_at) where revoked_at is null and expires_at is not null",
    );
  }
}
