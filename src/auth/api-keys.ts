import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/sql";
import { ApiKeyEntity, type ApiKeyRow } from "./api-key-entity.ts";
import type { Principal } from "./principal.ts";
import { REVOCATION_CHANNEL } from "./revocation-listener.ts";
import { isScope } from "./scopes.ts";

/** What a caller may see of a key: never the key or its hash. */
export interface ApiKeyInfo {
  id: string;
  tenantId: string;
  subject: string;
  name: string;
  prefix: string;
  scopes: string[];
  rateTier: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** Input for {@link ApiKeyStore.create}. */
export interface NewApiKey {
  tenantId: string;
  subject: string;
  name: string;
  scopes: readonly string[];
  /** Store this key instead of generating one (for `PATCHBAY_ADMIN_KEY`). */
  key?: string;
  /** Rate-limit tier; `standard` when omitted. Checked against the store's known tiers when it has them. */
  tier?: string;
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
  /** The principal for a presented key, or undefined for an unknown or revoked key. */
  verify(key: string): Promise<Principal | undefined>;
  /**
   * Turns the verification cache on or off (off by default). Only safe while revocations reach this
   * process: see `listenForRevocations`.
   */
  setCaching(on: boolean): void;
  /** Drops a key (by hash) from the verification cache, or every key without one. */
  forget(keyHash?: string): void;
}

/** Thrown for an invalid key definition (bad scope, empty tenant); the message is operator-safe. */
export class ApiKeyInputError extends Error {
  override name = "ApiKeyInputError";
}

const KEY_PREFIX = "pb_";
const VISIBLE_CHARS = 12;
// Writing last_used_at on every request would turn every read into a write; a minute's precision is enough.
const LAST_USED_PRECISION_MS = 60_000;
// The api_keys.rate_tier column default; the tier grammar is PATCHBAY_RATE_LIMITS's (src/ratelimit).
const DEFAULT_TIER = "standard";
const TIER_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
/**
 * How long a verified key is trusted without asking the database again, while caching is on: a
 * revocation reaches every process at once through NOTIFY (listenForRevocations), and this bounds what
 * a missed notification could cost.
 */
export const VERIFIED_CACHE_MS = 5_000;
const VERIFIED_CACHE_MAX = 10_000;

/** Makes a new random key: `pb_` + 43 base64url characters (256 bits). */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString("base64url");
}

/** The stored hash of a key. Keys carry 256 random bits, so an unsalted SHA-256 is not guessable. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

function toInfo(row: ApiKeyRow): ApiKeyInfo {
  return {
    id: row.id,
    tenantId: row.tenantId,
    subject: row.subject,
    name: row.name,
    prefix: row.prefix,
    scopes: [...row.scopes],
    rateTier: row.rateTier,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt ?? null,
    revokedAt: row.revokedAt ?? null,
  };
}

/**
 * Creates the key store over the database. `em` makes a fresh entity manager per operation; `knownTiers`
 * (the names in `PATCHBAY_RATE_LIMITS`), when given, are the tiers `create` accepts.
 */
export function createApiKeyStore(
  em: () => EntityManager,
  now: () => Date = () => new Date(),
  knownTiers?: readonly string[],
): ApiKeyStore {
  const lastTouched = new Map<string, number>();
  // Keys verified in the last few seconds (by hash), so that a busy key costs no query per call.
  const verified = new Map<string, { principal: Principal; until: number }>();
  // Lookups in flight by hash: when a busy key's cache entry expires, its concurrent calls share one
  // query instead of queueing one each for the pool (a flooding key would stampede it every few seconds).
  const lookingUp = new Map<string, Promise<Principal | undefined>>();
  let caching = false;

  async function lookUp(keyHash: string, at: number): Promise<Principal | undefined> {
    const manager = em();
    const row = await manager.findOne(ApiKeyEntity, { keyHash });
    if (row === null || row.revokedAt != null) {
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
    };
    if (caching) {
      if (verified.size >= VERIFIED_CACHE_MAX) verified.clear();
      verified.set(keyHash, { principal, until: at + VERIFIED_CACHE_MS });
    }
    return principal;
  }

  return {
    async create(input) {
      const tenantId = input.tenantId.trim();
      const subject = input.subject.trim();
      if (!/^[\w.:@-]{1,128}$/.test(tenantId))
        throw new ApiKeyInputError("tenant must be 1-128 of [A-Za-z0-9_.:@-]");
      if (subject.length === 0 || subject.length > 256)
        throw new ApiKeyInputError("subject must be 1-256 characters");
      const unknown = input.scopes.filter((s) => !isScope(s));
      if (unknown.length > 0) throw new ApiKeyInputError(`unknown scope(s): ${unknown.join(", ")}`);
      if (input.scopes.length === 0) throw new ApiKeyInputError("a key needs at least one scope");
      const rateTier = input.tier?.trim() || DEFAULT_TIER;
      if (!TIER_NAME.test(rateTier)) throw new ApiKeyInputError("tier must be 1-32 of [a-z0-9_-]");
      if (knownTiers !== undefined && !knownTiers.includes(rateTier)) {
        throw new ApiKeyInputError(`unknown tier '${rateTier}' (tiers: ${knownTiers.join(", ")})`);
      }
      const key = input.key ?? generateApiKey();
      const manager = em();
      const row = manager.create(ApiKeyEntity, {
        id: randomUUID(),
        tenantId,
        subject,
        name: input.name.trim() || "unnamed",
        prefix: key.slice(0, VISIBLE_CHARS),
        keyHash: hashApiKey(key),
        scopes: [...new Set(input.scopes)],
        rateTier,
        createdAt: now(),
        lastUsedAt: null,
        revokedAt: null,
      });
      await manager.flush();
      return { key, info: toInfo(row) };
    },

    async list(tenantId) {
      const rows = await em().find(ApiKeyEntity, tenantId === undefined ? {} : { tenantId }, {
        orderBy: { createdAt: "desc" },
      });
      return rows.map(toInfo);
    },

    async revoke(idOrPrefix) {
      const manager = em();
      const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrPrefix);
      const row = await manager.findOne(ApiKeyEntity, isUuid ? { id: idOrPrefix } : { prefix: idOrPrefix });
      if (row === null) return undefined;
      row.revokedAt ??= now();
      await manager.flush();
      verified.delete(row.keyHash);
      // Other processes holding the key in their cache drop it now (PostgreSQL; see listenForRevocations).
      await manager
        .getConnection()
        .execute(`select pg_notify('${REVOCATION_CHANNEL}', ?)`, [row.keyHash])
        .catch(() => undefined);
      return toInfo(row);
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
        shared = lookUp(keyHash, at).finally(() => lookingUp.delete(keyHash));
        lookingUp.set(keyHash, shared);
      }
      return shared;
    },

    setCaching(on) {
      caching = on;
      if (!on) verified.clear();
    },

    forget(keyHash) {
      if (keyHash === undefined) verified.clear();
      else verified.delete(keyHash);
    },
  };
}
