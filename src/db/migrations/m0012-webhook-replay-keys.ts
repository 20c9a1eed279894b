import { Migration } from "@mikro-orm/migrations";

/**
 * The second dedupe key of webhook events: for providers whose event id travels in an unsigned header
 * (GitHub's `X-GitHub-Delivery`, Linear's `Linear-Delivery`), a digest of the verified signature, so a
 * captured delivery replayed under a fresh id is a duplicate. Kept with the event: the replay window is
 * the events' lifetime, which must stay longer than GitHub's redelivery horizon (3 days on github.com,
 * 7 on GitHub Enterprise Server). A `uuid` (128 bits of the digest): the index compares 16 bytes, no
 * collation. Rows stored before have none, and old deliveries are not re-keyed.
 */
export class M0012WebhookReplayKeys extends Migration {
  override name = "m0012-webhook-replay-keys";

  override up(): void {
    this.addSql("alter table webhook_events add column replay_key uuid null");
    this.addSql(
      "create unique index webhook_events_replay_idx on webhook_events (endpoint_id, replay_key) where replay_key is not null",
    );
  }
}
