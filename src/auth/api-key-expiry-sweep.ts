import { type NativeQuery, startSweep } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";
import { REVOCATION_CHANNEL } from "./revocation-channel.ts";

/** How often each process sweeps: an expired key is revoked within this long of its expiry. */
export const EXPIRY_SWEEP_MS = 60_000;
const BATCH = 1_000;

// Keys past their expiry and not revoked, a batch at a time, in id order. SKIP LOCKED: replicas sweeping
// at the same moment (or a revocation or rotation holding a row) never wait on each other and never
// deadlock; a row skipped now is swept by whoever holds it or on the next round. The expiry becomes the
// revocation time, and each key is announced on the revocation channel (delivered at commit) so that
// every process's cache, of this release or an earlier one, drops it. It reads the partial index
// `api_keys_expiry_idx` (keys that expire and are not revoked), so its cost follows the keys that expire.
const SWEEP = `
with due as (
  select id from api_keys
  where revoked_at is null and expires_at <= statement_timestamp()
  order by id
  limit $2
  for update skip locked
), swept as (
  update api_keys k set revoked_at = k.expires_at
  from due
  where k.id = due.id
  returning k.key_hash
)
select pg_notify($1, key_hash) from swept`;

/**
 * Revokes every key whose expiry has passed (on the database's clock), setting `revoked_at` to
 * `expires_at`, and announces each. Expiry is then visible to code that only reads `revoked_at` (a
 * replica of an earlier release during a rolling deploy, or after a rollback). Returns how many keys it
 * revoked; running it again, or on many replicas at once, revokes nothing twice.
 */
export async function sweepExpiredApiKeys(query: NativeQuery): Promise<number> {
  let swept = 0;
  for (;;) {
    const { rowCount } = await query(SWEEP, [REVOCATION_CHANNEL, BATCH]);
    swept += rowCount;
    if (rowCount < BATCH) return swept;
  }
}

/**
 * Sweeps expired keys at once and then every `everyMs` (one minute by default); returns the function
 * that stops it, which waits for a sweep in progress.
 */
export function startApiKeyExpirySweep(
  query: NativeQuery,
  logger: Logger,
  everyMs: number = EXPIRY_SWEEP_MS,
): () => Promise<void> {
  return startSweep(
    () =>
      sweepExpiredApiKeys(query).then(
        (revoked) => {
          if (revoked > 0) logger.info({ revoked }, "expired API keys revoked");
        },
        (error: unknown) =>
          logger.warn({ err: error }, "API key expiry sweep failed; retrying at the next interval"),
      ),
    { firstAfterMs: 0, everyMs },
  );
}
