import { HOURLY, type NativeQuery, startSweep } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";

const BATCH = 5_000;
/**
 * How long an expired authorization or start link is kept: until then a late callback or a reopened link
 * is told that it expired (or was used) rather than that it is unknown.
 */
export const OAUTH_FLOW_GRACE_MS = 24 * 60 * 60 * 1000;

// Expired rows of one table, a batch at a time: no statement holds many rows locked.
const sweepOf = (table: "oauth_states" | "oauth_links") =>
  `delete from ${table} where id in (select id from ${table} where expires_at < $1::timestamptz limit $2)`;

/**
 * Deletes OAuth authorizations in flight (`oauth_states`, each holding a sealed PKCE code verifier) and
 * keyless start links (`oauth_links`) that expired more than {@link OAUTH_FLOW_GRACE_MS} before `now`,
 * used or not: neither can complete anything any more, and a sealed verifier kept for ever is a secret
 * kept for nothing. Returns how many rows it deleted.
 */
export async function sweepOAuthFlows(query: NativeQuery, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - OAUTH_FLOW_GRACE_MS).toISOString();
  let deleted = 0;
  for (const table of ["oauth_states", "oauth_links"] as const) {
    for (;;) {
      const { rowCount } = await query(sweepOf(table), [cutoff, BATCH]);
      deleted += rowCount;
      if (rowCount < BATCH) break;
    }
  }
  return deleted;
}

/** Sweeps once shortly after start and then hourly; returns the function that stops it (and waits for a sweep in progress). */
export function startOAuthFlowSweep(
  query: NativeQuery,
  logger: Logger,
  now: () => Date,
): () => Promise<void> {
  return startSweep(
    () =>
      sweepOAuthFlows(query, now()).then(
        (deleted) => {
          if (deleted > 0) logger.info({ deleted }, "expired OAuth authorizations and start links deleted");
        },
        (error: unknown) => logger.warn({ err: error }, "OAuth flow sweep failed; retrying next hour"),
      ),
    HOURLY,
  );
}
