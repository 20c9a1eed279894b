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
 * reach the database each time). Writes in this process clear their entry at once; other instances see
 * them within `ttlMs`.
 */
export function createEndpointCache(query: NativeQuery, secretBox: SecretBox, ttlMs = 2000): EndpointCache {
  const cache = new Map<string, { at: number; value: Promise<CachedEndpoint | undefined> }>();

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

  return {
    get(id) {
      const now = Date.now();
      const hit = cache.get(id);
      if (hit !== undefined && now - hit.at < ttlMs) return hit.value;
      const value = load(id);
      cache.set(id, { at: now, value });
      // A failed load is not kept.
      value.catch(() => cache.delete(id));
      if (cache.size > 10_000) cache.delete(cache.keys().next().value as string);
      return value;
    },
    forget(id) {
      cache.delete(id);
    },
  };
}
