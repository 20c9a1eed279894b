import type { NativeQuery } from "../../db/index.ts";
import type { SecretBox } from "../../secrets/index.ts";
import {
  ENDPOINT_COLUMNS,
  type EndpointRow,
  endpointFromSql,
  endpointSecretContext,
} from "./endpoint-row.ts";

/** An endpoint as the receiver uses it: its row and its opened secrets. */
export interface CachedEndpoint {
  readonly row: EndpointRow;
  /** The current secret, then the previous one while its grace period runs at `now`. */
  secretsAt(now: Date): string[];
}

/** Endpoints by id for the receiver (see {@link createEndpointCache}). */
export interface EndpointCache {
  get(id: string): Promise<CachedEndpoint | undefined>;
  /** Drops an endpoint after a write (rotation, deletion) made by this process. */
  forget(id: string): void;
}

/**
 * Endpoints kept for `ttlMs` (unknown ids too, so a flood of deliveries to a deleted endpoint does not
 * reach the database each time). An entry past its `ttlMs` is still answered while one reload runs in
 * the background (stale-while-revalidate): a busy endpoint never makes its deliveries wait for the
 * database, which otherwise stalled every delivery in flight once per `ttlMs`. An entry older than five
 * times `ttlMs` is not answered: an endpoint idle that long waits for a fresh read. Writes in this
 * process clear their entry at once; other instances' writes are seen within `ttlMs` and one reload.
 */
export function createEndpointCache(
  query: NativeQuery,
  secretBox: SecretBox,
  { ttlMs = 2000, now = Date.now }: { ttlMs?: number; now?: () => number } = {},
): EndpointCache {
  interface Entry {
    at: number;
    value: Promise<CachedEndpoint | undefined>;
    reloading: boolean;
  }
  const cache = new Map<string, Entry>();

  async function load(id: string): Promise<CachedEndpoint | undefined> {
    const { rows } = await query(
      `select ${ENDPOINT_COLUMNS} from webhook_endpoints where id = $1 and deleted_at is null`,
      [id],
    );
    if (rows.length === 0) return undefined;
    const row = endpointFromSql(rows[0] as Record<string, unknown>);
    const context = endpointSecretContext(row.id);
    const current = secretBox.open(row.sealedSecret, context).toString("utf8");
    const previous =
      row.sealedPreviousSecret === null
        ? undefined
        : secretBox.open(row.sealedPreviousSecret, context).toString("utf8");
    return {
      row,
      secretsAt(now) {
        const expires = row.previousSecretExpiresAt;
        return previous !== undefined && expires !== null && now < expires ? [current, previous] : [current];
      },
    };
  }

  function reload(id: string, entry: Entry): void {
    entry.reloading = true;
    load(id).then(
      (value) => {
        // Only if the entry was not forgotten or replaced meanwhile (a write here clears it).
        if (cache.get(id) === entry)
          cache.set(id, { at: now(), value: Promise.resolve(value), reloading: false });
      },
      () => {
        // A failed reload keeps the old answer until the next try.
        entry.reloading = false;
      },
    );
  }

  return {
    get(id) {
      const at = now();
      const hit = cache.get(id);
      // Stale answers only for a busy endpoint: past five times `ttlMs` (an idle endpoint) the caller waits.
      if (hit !== undefined && at - hit.at < 5 * ttlMs) {
        if (at - hit.at >= ttlMs && !hit.reloading) reload(id, hit);
        return hit.value;
      }
      const entry: Entry = { at, value: load(id), reloading: false };
      cache.set(id, entry);
      // A failed first load is not kept.
      entry.value.catch(() => {
        if (cache.get(id) === entry) cache.delete(id);
      });
      if (cache.size > 10_000) cache.delete(cache.keys().next().value as string);
      return entry.value;
    },
    forget(id) {
      cache.delete(id);
    },
  };
}
