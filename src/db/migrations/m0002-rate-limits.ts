import { Migration } from "@mikro-orm/migrations";

/**
 * Per-key rate limits: the tier of each API key, and the counters rate-limiter-flexible's
 * RateLimiterPostgres keeps (its own schema: key, points, expire in epoch ms; it is told not to create
 * the table). Unlogged: counters are rewritten on every call and worth nothing after a crash (all keys
 * start a fresh window), so they skip the write-ahead log.
 */
export class M0002RateLimits extends Migration {
  override name = "m0002-rate-limits";

  override up(): void {
    this.addSql("alter table api_keys add column rate_tier text not null default 'standard'");
    this.addSql(`create unlogged table rate_limits (
      key varchar(255) primary key,
      points integer not null default 0,
      expire bigint
    )`);
    // The library deletes rows expired an hour ago every five minutes.
    this.addSql("create index rate_limits_expire_idx on rate_limits (expire)");
  }
}
