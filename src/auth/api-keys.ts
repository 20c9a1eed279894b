import { Code, ConnectError } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/sql";
import { LRUCache } from "lru-cache";
import { createTurnstile } from "../db/index.ts";
import { ApiKeyEntity } from "./api-key-entity.ts";
import { type ApiKeyInfo, toApiKeyInfo } from "./api-key-info.ts";
import { addApiKeyRow, revokeApiKeyRow } from "./api-key-rows.ts";
import { type ApiKeyRequest, checkApiKeyRequest, parseApiKeyRef } from "./api-key-rules.ts";
import { generateApiKey, hashApiKey } from "./api-key-secret.ts";
import type { Principal } from "./principal.ts";

export type { ApiKeyInfo } from "./api-key-info.ts";
export { ApiKeyInputError } from "./api-key-rules.ts";
export { generateApiKey, hashApiKey } from "./api-key-secret.ts";

/** Input for {@link ApiKeyStore.create}. */
export interface NewApiKey extends ApiKeyRequest {
  /** Store this key instead of generating one (for `PATCHBAY_ADMIN_KEY`). */
  key?: string;
}

/** API keys: create, list, revoke, and verify a presented key. */
export interface ApiKeyStore {
  /** Creates a key; the plaintext is returned here once and never stored. */
  create(input: NewApiKey): Promise<{ key: string; info: ApiKeyInfo }>;
  /** Keys, newest first, optionally of one tenant. */
  list(tenantId?: string): Promise<ApiKeyInfo[]>;
  /** Revokes by id or by visible prefix; returns the revoked key or undefined when none matched. */
  revoke(idOrPrefix: string): Promise<ApiKeyInfo | undefined>;
  /** Number of keys, revoked included (zero means a fresh database). */
  count(): Promise<number>;
  /** The principal for a presented key, or undefined for an unknown, revoked or expired key. */
  verify(key: string): Promise<Principal | undefined>;
  /**
   * The principal of a key `verify` found within {@link VERIFIED_CACHE_MS}, read from the cache alone and
   * at once (never the database); undefined for any other key, and always while caching is off.
   */
  verifiedLately(key: string): Principal | undefined;
  /**
   * Turns the verification cache on or off (off by default). Only safe while revocations reach this
   * process: see `listenForRevocations`.
   */
  setCaching(on: boolean): void;
  /**
   * Drops a key (by hash) from the verification cache, or every key without one. A lookup that was
   * already running when this is called answers its callers but is not cached, and later calls look
   * again: what it read may predate the change being announced.
   */
  forget(keyHash?: string): void;
}

// Writing last_used_at on every request would turn every read into a write; a minute's precision is enough.
const LAST_USED_PRECISION_MS = 60_000;
/**
 * How long a verified key is trusted without asking the database again, while caching is on: a
 * revocation reaches every process at once through NOTIFY (listenForRevocations), and this bounds what
 * a missed notification could cost. A key is never answered past its own expiry.
 */
export const VERIFIED_CACHE_MS = 5_000;
/**
 * How much longer an entry past {@link VERIFIED_CACHE_MS} may still be answered while one call reads the
 * key again (stale-while-revalidate): a busy key's calls never wait for the database when its entry
 * lapses, and a missed notification costs at most twice the TTL. An older entry is not answered: the
 * call waits for the read (an idle key's first call after a while).
 */
export const VERIFIED_STALE_MS = VERIFIED_CACHE_MS;
const VERIFIED_CACHE_MAX = 10_000;
/**
 * Key lookups that read the database at once, per process, and how many more may wait for their turn.
 * Lookups of one key are shared already; this bounds what presenting many different keys the process does
 * not know (a flood of made-up keys, say) can take of the database pool, which the other work of every
 * tenant needs. A lookup past the line is refused with UNAVAILABLE and `retry-after: 1`.
 */
export const KEY_LOOKUPS_AT_ONCE = 2;
export const KEY_LOOKUPS_WAITING = 1_000;

/** A key of a length no key has is refused without a lookup. */
function plausible(key: string): boolean {
  return key.length >= 16 && key.length <= 512;
}

function expired(principal: Principal, at: number): boolean {
  return (principal.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY) <= at;
}

/** What one lookup of a key found: the principal (undefined: unknown, revoked or expired), and when. */
interface Verified {
  readonly principal: Principal | undefined;
  readonly at: number;
}

/**
 * Creates the key store over the database. `em` makes a fresh entity manager per operation; `knownTiers`
 * (the names in `PATCHBAY_RATE_LIMITS`), when given, are the tiers `create` accepts.
 */
export function createApiKeyStore(
  em: () => EntityManager,
  now: () => Date,
  knownTiers?: readonly string[],
): ApiKeyStore {
  const lastTouched = new Map<string, number>();
  const clock = () => now().getTime();
  const turnstile = createTurnstile(KEY_LOOKUPS_AT_ONCE, {
    waiting: KEY_LOOKUPS_WAITING,
    refuse: () =>
      new ConnectError("too many API key checks at once; try again", Code.Unavailable, [
        ["retry-after", "1"],
      ]),
  });
  /*
   * Keys verified lately (by hash), so that a busy key costs no query per call. lru-cache's fetch() gives
   * what the rules need: concurrent misses of one key share one lookup, and an entry past its TTL is
   * answered while exactly one lookup refreshes it. The rest is checked here, on every answer:
   * - delete() and clear() (forget, setCaching) abort a lookup in flight; `ignoreFetchAbort` lets it
   *   answer the calls already waiting, but lru-cache then never stores what it read (the entry is no
   *   longer that lookup's), so a read from before a revocation cannot outlive its announcement.
   * - a lookup finding the key unknown, revoked or expired is stored as such (returning undefined would
   *   put the stale entry back) and refused; the call that sees it drops the entry.
   * - a stale entry is answered only within VERIFIED_STALE_MS (lru-cache has no such bound), and never
   *   past the key's expiry.
   * - a failed refresh keeps the stale entry (`noDeleteOnFetchRejection`): calls within the bound are
   *   still answered, the next call tries again; a call past the bound waits and gets the error.
   */
  const cache = new LRUCache<string, Verified>({
    max: VERIFIED_CACHE_MAX,
    ttl: VERIFIED_CACHE_MS,
    // Staleness is read from the store's clock on every call (lru-cache's default reuses a reading for 1 ms).
    ttlResolution: 0,
    perf: { now: clock },
    allowStale: true,
    noDeleteOnStaleGet: true,
    noDeleteOnFetchRejection: true,
    ignoreFetchAbort: true,
    fetchMethod: (keyHash) => lookUp(keyHash),
  });
  // While caching is off: lookups in flight by hash, so that a flooding key's concurrent calls still
  // share one query instead of queueing one each for the pool.
  const lookingUp = new Map<string, Promise<Verified>>();
  let caching = false;

  function lookUp(keyHash: string): Promise<Verified> {
    return turnstile(() => read(keyHash));
  }

  async function read(keyHash: string): Promise<Verified> {
    const at = clock();
    const manager = em();
    const row = await manager.findOne(ApiKeyEntity, { keyHash });
    const expiresAt = row?.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
    if (row === null || row.revokedAt != null || expiresAt <= at) return { principal: undefined, at };
    if (at - (lastTouched.get(row.id) ?? 0) > LAST_USED_PRECISION_MS) {
      lastTouched.set(row.id, at);
      await manager.nativeUpdate(ApiKeyEntity, { id: row.id }, { lastUsedAt: new Date(at) });
    }
    const principal: Principal = {
      keyId: row.id,
      tenantId: row.tenantId,
      subject: row.subject,
      scopes: [...row.scopes],
      rateTier: row.rateTier,
      expiresAt: row.expiresAt ?? null,
      replaced: row.replacedBy != null,
      agentPool: row.agentPool ?? null,
    };
    // Its age counts from when the read finished, as lru-cache's TTL does.
    return { principal, at: clock() };
  }

  function lookUpUncached(keyHash: string): Promise<Verified> {
    let shared = lookingUp.get(keyHash);
    if (shared === undefined) {
      const mine = lookUp(keyHash).finally(() => {
        if (lookingUp.get(keyHash) === mine) lookingUp.delete(keyHash);
      });
      shared = mine;
      lookingUp.set(keyHash, mine);
    }
    return shared;
  }

  async function lookUpCached(keyHash: string, at: number): Promise<Verified> {
    const found = await cache.fetch(keyHash);
    if (found !== undefined && at - found.at < VERIFIED_CACHE_MS + VERIFIED_STALE_MS) return found;
    // Too old to answer (or gone meanwhile): wait for the lookup the first fetch started, or start one.
    const fresh = await cache.fetch(keyHash, { allowStale: false });
    // fetch() answers undefined only for a lookup aborted without a result, which ignoreFetchAbort rules out.
    return fresh ?? lookUpUncached(keyHash);
  }

  function forget(keyHash?: string): void {
    if (keyHash === undefined) {
      cache.clear();
      lookingUp.clear();
    } else {
      cache.delete(keyHash);
      lookingUp.delete(keyHash);
    }
  }

  return {
    async create(input) {
      const checked = checkApiKeyRequest(input, knownTiers, now());
      const key = input.key ?? generateApiKey();
      const manager = em();
      const row = addApiKeyRow(manager, checked, key, now());
      await manager.flush();
      return { key, info: toApiKeyInfo(row) };
    },

    async list(tenantId) {
      const rows = await em().find(ApiKeyEntity, tenantId === undefined ? {} : { tenantId }, {
        orderBy: { createdAt: "desc" },
      });
      return rows.map(toApiKeyInfo);
    },

    async revoke(idOrPrefix) {
      const row = await revokeApiKeyRow(em(), parseApiKeyRef(idOrPrefix), undefined, now());
      if (row === undefined) return undefined;
      forget(row.keyHash);
      return toApiKeyInfo(row);
    },

    async count() {
      return em().count(ApiKeyEntity, {});
    },

    async verify(key) {
      if (!plausible(key)) return undefined;
      const keyHash = hashApiKey(key);
      const at = clock();
      // A fresh entry is answered without fetch()'s promise machinery; anything else goes the long way.
      const fresh = caching ? cache.get(keyHash, { allowStale: false }) : undefined;
      const found = fresh ?? (caching ? await lookUpCached(keyHash, at) : await lookUpUncached(keyHash));
      const principal = found.principal;
      if (principal === undefined || expired(principal, at)) {
        // Refused from now on: the next call reads the key again rather than answer a stale entry.
        if (cache.peek(keyHash) === found) cache.delete(keyHash);
        return undefined;
      }
      return principal;
    },

    verifiedLately(key) {
      if (!caching || !plausible(key)) return undefined;
      const principal = cache.get(hashApiKey(key), { allowStale: false })?.principal;
      return principal === undefined || expired(principal, clock()) ? undefined : principal;
    },

    setCaching(on) {
      caching = on;
      if (!on) cache.clear();
    },

    forget,
  };
}
