import type { EntityManager } from "@mikro-orm/sql";
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
 * a missed notification could cost. An entry never outlives the key's own expiry.
 */
export const VERIFIED_CACHE_MS = 5_000;
const VERIFIED_CACHE_MAX = 10_000;

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
  // Keys verified in the last few seconds (by hash), so that a busy key costs no query per call.
  const verified = new Map<string, { principal: Principal; until: number }>();
  // Lookups in flight by hash: when a busy key's cache entry expires, its concurrent calls share one
  // query instead of queueing one each for the pool (a flooding key would stampede it every few seconds).
  const lookingUp = new Map<string, Promise<Principal | undefined>>();
  let caching = false;
  // Counts forget() calls: a lookup caches what it read only if nothing was forgotten meanwhile, so a
  // read from before a revocation cannot outlive the announcement that dropped it.
  let forgotten = 0;

  async function lookUp(keyHash: string, at: number): Promise<Principal | undefined> {
    const generation = forgotten;
    const manager = em();
    const row = await manager.findOne(ApiKeyEntity, { keyHash });
    const expiresAt = row?.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
    if (row === null || row.revokedAt != null || expiresAt <= at) {
      verified.delete(keyHash);
      return undefined;
    }
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
    if (caching && generation === forgotten) {
      if (verified.size >= VERIFIED_CACHE_MAX) verified.clear();
      verified.set(keyHash, { principal, until: Math.min(at + VERIFIED_CACHE_MS, expiresAt) });
    }
    return principal;
  }

  function forget(keyHash?: string): void {
    forgotten += 1;
    if (keyHash === undefined) {
      verified.clear();
      lookingUp.clear();
    } else {
      verified.delete(keyHash);
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
      if (key.length < 16 || key.length > 512) return undefined;
      const keyHash = hashApiKey(key);
      const at = now().getTime();
      const cached = caching ? verified.get(keyHash) : undefined;
      if (cached !== undefined && cached.until > at) return cached.principal;
      let shared = lookingUp.get(keyHash);
      if (shared === undefined) {
        const mine = lookUp(keyHash, at).finally(() => {
          if (lookingUp.get(keyHash) === mine) lookingUp.delete(keyHash);
        });
        shared = mine;
        lookingUp.set(keyHash, mine);
      }
      return shared;
    },

    setCaching(on) {
      caching = on;
      if (!on) verified.clear();
    },

    forget,
  };
}
