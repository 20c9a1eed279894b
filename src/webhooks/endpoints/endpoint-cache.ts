import type { SecretBox } from "../../secrets/index.ts";
import { type EndpointRow, endpointSecretContext } from "./endpoint-row.ts";
import type { EndpointStore } from "./endpoint-store.ts";

/** An endpoint as the receiver uses it: its row and its opened secrets. */
export interface CachedEndpoint {
  readonly row: EndpointRow;
  /** The current secret, then the previous one while its grace period runs at `now`. */
  secretsAt(now: Date): string[];
}

/** Endpoints by id for the receiver (see {@link createEndpointCache}). */
export interface EndpointCache {
  /** The endpoint, or undefined when it is unknown or deleted. */
  get(id: string): Promise<CachedEndpoint | undefined>;
  /**
   * Runs `work` with the endpoint as {@link get} finds it. A delivery runs from lookup to commit inside
   * `use`, so that {@link forget} can wait for the deliveries that saw the endpoint before a change.
   */
  use<T>(id: string, work: (endpoint: CachedEndpoint | undefined) => Promise<T>): Promise<T>;
  /**
   * Drops an endpoint (every endpoint without an id). Resolves once the uses of it that began before
   * this call have finished, so a change answered after it has nothing in flight that saw the old row.
   */
  forget(id?: string): Promise<void>;
  /**
   * Turns caching on or off (on by default). Off, every lookup reads the database: for while endpoint
   * changes made elsewhere cannot be heard.
   */
  setCaching(on: boolean): void;
}

/** Options of {@link createEndpointCache}. */
export interface EndpointCacheOptions {
  /** How long an entry is answered without a reload (default 60 s). */
  readonly ttlMs?: number;
  /** The clock, in milliseconds. */
  readonly now?: () => number;
  /** Whether to start with caching on (default true). */
  readonly caching?: boolean;
}

/** Endpoints kept, oldest dropped first. */
const MAX_FOUND = 10_000;
/** Made-up endpoint ids remembered as unknown (each for `ttlMs`), oldest dropped first. */
const MAX_MISSES = 10_000;

/**
 * Endpoints kept for `ttlMs` (unknown ids too, so a flood of deliveries to a deleted endpoint does not
 * reach the database each time; they are kept apart, so made-up ids never evict a real endpoint). Changes
 * are not waited out: every change made through the API is announced to every replica
 * (endpoint-changes.ts), which forgets the entry at once, and caching is off while announcements cannot be
 * heard. The TTL only bounds what a change made past the API (SQL by hand) can cost, hence a minute.
 *
 * An entry past its `ttlMs` is still answered while one reload runs in the background
 * (stale-while-revalidate): a busy endpoint never makes its deliveries wait for the database, which
 * otherwise stalled every delivery in flight once per `ttlMs`. An entry older than five times `ttlMs` is
 * not answered: an endpoint idle that long waits for a fresh read.
 */
export function createEndpointCache(
  store: EndpointStore,
  secretBox: SecretBox,
  { ttlMs = 60_000, now = Date.now, caching: initiallyCaching = true }: EndpointCacheOptions = {},
): EndpointCache {
  interface Entry {
    at: number;
    value: Promise<CachedEndpoint | undefined>;
    reloading: boolean;
  }
  // Endpoints found, at most MAX_FOUND. An id enters only once its read found it.
  const cache = new Map<string, Entry>();
  // First reads in flight, one per id (concurrent deliveries share it). Not in `cache`: while the database
  // is slow, a flood of made-up ids (anyone can send them) would fill it and push real endpoints out. Each
  // entry belongs to a delivery in flight and leaves when its read settles, so this needs no bound.
  const loading = new Map<string, Entry>();
  // Ids that named no endpoint, kept apart: a flood of made-up ids evicts only other made-up ids.
  const misses = new Map<string, number>();
  // Deliveries running per endpoint, for forget() to wait on.
  const running = new Map<string, Set<Promise<unknown>>>();
  let caching = initiallyCaching;

  async function load(id: string): Promise<CachedEndpoint | undefined> {
    const row = await store.findLive(id);
    if (row === undefined) return undefined;
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
        // Only if the entry was not forgotten or replaced meanwhile (a change clears it).
        if (cache.get(id) === entry)
          cache.set(id, { at: now(), value: Promise.resolve(value), reloading: false });
      },
      () => {
        // A failed reload keeps the old answer until the next try.
        entry.reloading = false;
      },
    );
  }

  function get(id: string): Promise<CachedEndpoint | undefined> {
    if (!caching) return load(id);
    const at = now();
    const missed = misses.get(id);
    if (missed !== undefined) {
      if (at - missed < ttlMs) return Promise.resolve(undefined);
      misses.delete(id);
    }
    const hit = cache.get(id);
    // Stale answers only for a busy endpoint: past five times `ttlMs` (an idle endpoint) the caller waits.
    if (hit !== undefined && at - hit.at < 5 * ttlMs) {
      if (at - hit.at >= ttlMs && !hit.reloading) reload(id, hit);
      return hit.value;
    }
    const pending = loading.get(id);
    if (pending !== undefined) return pending.value;
    // An idle endpoint's entry is read afresh, as if it had never been found.
    if (hit !== undefined) cache.delete(id);
    const entry: Entry = { at, value: load(id), reloading: false };
    loading.set(id, entry);
    // A failed first load is not kept; a miss moves to the misses. Unless forgotten meanwhile (a change
    // clears `loading`): a read begun before a change may have seen the old row.
    entry.value.then(
      (value) => {
        if (loading.get(id) !== entry) return;
        loading.delete(id);
        if (value === undefined) {
          misses.set(id, at);
          if (misses.size > MAX_MISSES) misses.delete(misses.keys().next().value as string);
          return;
        }
        cache.set(id, entry);
        if (cache.size > MAX_FOUND) cache.delete(cache.keys().next().value as string);
      },
      () => {
        if (loading.get(id) === entry) loading.delete(id);
      },
    );
    return entry.value;
  }

  return {
    get,
    async use(id, work) {
      const run = get(id).then(work);
      let set = running.get(id);
      if (set === undefined) {
        set = new Set();
        running.set(id, set);
      }
      set.add(run);
      try {
        return await run;
      } finally {
        set.delete(run);
        if (set.size === 0 && running.get(id) === set) running.delete(id);
      }
    },
    async forget(id) {
      if (id === undefined) {
        cache.clear();
        loading.clear();
        misses.clear();
        return;
      }
      cache.delete(id);
      loading.delete(id);
      misses.delete(id);
      const inFlight = running.get(id);
      if (inFlight !== undefined) await Promise.allSettled([...inFlight]);
    },
    setCaching(on) {
      caching = on;
      if (!on) {
        cache.clear();
        loading.clear();
        misses.clear();
      }
    },
  };
}
