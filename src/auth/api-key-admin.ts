import { Code, ConnectError } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/sql";
import { type KeysetCursor, keysetWhere } from "../paging/index.ts";
import { ApiKeyEntity, type ApiKeyRow } from "./api-key-entity.ts";
import { type ApiKeyInfo, apiKeyState, toApiKeyInfo } from "./api-key-info.ts";
import { addApiKeyRow, announceApiKeyChange, findApiKey, revokeApiKeyRow } from "./api-key-rows.ts";
import { checkApiKeyRequest, DEFAULT_TIER, overlapMs, parseApiKeyRef } from "./api-key-rules.ts";
import { generateApiKey } from "./api-key-secret.ts";
import type { ApiKeyStore } from "./api-keys.ts";
import type { Principal } from "./principal.ts";
import { hasScope } from "./scopes.ts";

/**
 * Who manages keys. An API key (through ApiKeyService) manages its own tenant's keys only and grants
 * only what it holds: its scopes (`admin` holds all), its own tier or `standard`, and no more time than
 * it has left itself (a new key never outlives the key that issued it). A key that a rotation replaced
 * manages no keys at all. The operator at the console (`patchbay keys`) has the database already: any
 * tenant (`tenantId` narrows it), anything.
 */
export type KeyAdminCaller =
  | { readonly kind: "key"; readonly principal: Principal }
  | { readonly kind: "operator"; readonly tenantId?: string };

/** A new key; the tenant is the calling key's, or the operator's `tenantId`. */
export interface CreateKeyInput {
  subject: string;
  name: string;
  scopes: readonly string[];
  tier?: string;
  expiresAt?: Date;
  /** The agent pool of an `agent` key. */
  agentPool?: string;
}

/** A place in the newest-first list: the last key of the previous page. */
export type KeyCursor = KeysetCursor;

/** Managing API keys: the one implementation behind ApiKeyService and `patchbay keys`. */
export interface ApiKeyAdmin {
  /**
   * Issues a key; the plaintext is returned here once and never stored. A calling key that expires
   * gives the new key its own expiry when none, or a later one, is asked for.
   */
  create(caller: KeyAdminCaller, input: CreateKeyInput): Promise<{ key: string; info: ApiKeyInfo }>;
  /** One page of keys, newest first, and where the next page starts (none after the last). */
  list(
    caller: KeyAdminCaller,
    page: { size: number; after?: KeyCursor },
  ): Promise<{ keys: ApiKeyInfo[]; next?: KeyCursor }>;
  /** Revokes a key by id or prefix; every process refuses it from the moment this returns. */
  revoke(caller: KeyAdminCaller, ref: string): Promise<ApiKeyInfo>;
  /**
   * Issues a key like `ref` (subject, scopes, tier, name, expiry, the expiry capped at a calling key's
   * own) and ends the old one after the overlap window (the default when undefined, 0 for at once).
   */
  rotate(
    caller: KeyAdminCaller,
    ref: string,
    overlapSeconds?: number,
  ): Promise<{ key: string; info: ApiKeyInfo; previous: ApiKeyInfo }>;
}

/** Options of {@link createApiKeyAdmin}. */
export interface ApiKeyAdminOptions {
  /** A fresh entity manager per operation. */
  em: () => EntityManager;
  /** The store requests are verified with: its cache drops a changed key at once, in this process. */
  keys: Pick<ApiKeyStore, "forget">;
  /** The tier names of PATCHBAY_RATE_LIMITS; any well-formed name when undefined (limits off). */
  knownTiers: readonly string[] | undefined;
  /** The clock, set once by the composition root (tests pass their own). */
  now: () => Date;
}

const NOT_FOUND = "no API key with that id or prefix";
/** The answer to every key-management call made with a key that a rotation replaced. */
export const REPLACED_KEY_MESSAGE = "this key was rotated: use its replacement";

function tenantOf(caller: KeyAdminCaller): string | undefined {
  return caller.kind === "key" ? caller.principal.tenantId : caller.tenantId;
}

/** Refuses to let a key hand out more than it holds itself. */
function requireGrantable(caller: KeyAdminCaller, scopes: readonly string[], tier: string): void {
  if (caller.kind === "operator") return;
  const { principal } = caller;
  const missing = scopes.filter((s) => !hasScope(principal.scopes, s));
  if (missing.length > 0) {
    throw new ConnectError(
      `scopes: a key can grant only scopes it holds (not ${missing.join(", ")})`,
      Code.PermissionDenied,
    );
  }
  if (tier !== DEFAULT_TIER && tier !== principal.rateTier) {
    throw new ConnectError(
      `tier: a key can give only its own tier ('${principal.rateTier}') or '${DEFAULT_TIER}'`,
      Code.PermissionDenied,
    );
  }
}

/**
 * Refuses a key that a rotation replaced. It still authenticates during the overlap window, so that
 * clients can switch over, but it is being phased out, perhaps because it leaked: it must not issue,
 * revoke or rotate keys (a leaked admin key would otherwise mint a key that outlives the rotation, or
 * revoke the replacement), nor list them.
 */
export function refuseReplacedKey(caller: KeyAdminCaller): void {
  if (caller.kind === "key" && caller.principal.replaced === true) {
    throw new ConnectError(REPLACED_KEY_MESSAGE, Code.PermissionDenied);
  }
}

/**
 * A new key's expiry for `caller`: a key that expires issues keys that expire no later than itself
 * (a key without an expiry asked for gets the caller's); the operator and keys that do not expire give
 * what was asked.
 */
function capExpiry(caller: KeyAdminCaller, asked: Date | null, now: Date): Date | null {
  if (caller.kind === "operator") return asked;
  const own = caller.principal.expiresAt ?? null;
  if (own === null) return asked;
  // Verified a moment ago, expired since: it issues nothing.
  if (own.getTime() <= now.getTime())
    throw new ConnectError("the calling key has expired", Code.Unauthenticated);
  return asked === null || asked.getTime() > own.getTime() ? own : asked;
}

/** Creates the key manager. */
export function createApiKeyAdmin(options: ApiKeyAdminOptions): ApiKeyAdmin {
  const { em, keys, knownTiers } = options;
  const now = options.now;

  return {
    async create(caller, input) {
      refuseReplacedKey(caller);
      const at = now();
      // An operator without a tenant is refused by the tenant rule: a key always belongs to one.
      const checked = checkApiKeyRequest({ ...input, tenantId: tenantOf(caller) ?? "" }, knownTiers, at);
      requireGrantable(caller, checked.scopes, checked.rateTier);
      checked.expiresAt = capExpiry(caller, checked.expiresAt, at);
      const key = generateApiKey();
      const manager = em();
      const row = addApiKeyRow(manager, checked, key, at);
      await manager.flush();
      return { key, info: toApiKeyInfo(row) };
    },

    async list(caller, page) {
      refuseReplacedKey(caller);
      const tenantId = tenantOf(caller);
      const where: Record<string, unknown> = tenantId === undefined ? {} : { tenantId };
      if (page.after !== undefined) {
        // Newest first, ties broken by id: the next page starts strictly after the last key seen.
        Object.assign(where, keysetWhere(page.after, { at: "createdAt", id: "id" }));
      }
      const rows = await em().find(ApiKeyEntity, where, {
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        limit: page.size + 1,
      });
      const shown = rows.slice(0, page.size);
      const last = shown.at(-1);
      return {
        keys: shown.map(toApiKeyInfo),
        ...(rows.length > page.size && last !== undefined
          ? { next: { at: last.createdAt.toISOString(), id: last.id } }
          : {}),
      };
    },

    async revoke(caller, ref) {
      refuseReplacedKey(caller);
      const row = await revokeApiKeyRow(em(), parseApiKeyRef(ref), tenantOf(caller), now());
      if (row === undefined) throw new ConnectError(NOT_FOUND, Code.NotFound);
      keys.forget(row.keyHash);
      return toApiKeyInfo(row);
    },

    async rotate(caller, ref, overlapSeconds) {
      refuseReplacedKey(caller);
      const keyRef = parseApiKeyRef(ref);
      const overlap = overlapMs(overlapSeconds);
      const key = generateApiKey();
      const { next, previous } = await em().transactional(async (tx) => {
        const old = await findApiKey(tx, keyRef, tenantOf(caller), true);
        if (old === undefined) throw new ConnectError(NOT_FOUND, Code.NotFound);
        const at = now();
        refuseRotation(old, at);
        requireGrantable(caller, old.scopes, old.rateTier);
        const fresh = addApiKeyRow(
          tx,
          {
            tenantId: old.tenantId,
            subject: old.subject,
            name: old.name,
            scopes: [...old.scopes],
            rateTier: old.rateTier,
            agentPool: old.agentPool ?? null,
            // The old key's expiry, and never later than the caller's own.
            expiresAt: capExpiry(caller, old.expiresAt ?? null, at),
          },
          key,
          at,
        );
        const overlapEnds = at.getTime() + overlap;
        if (old.expiresAt == null || old.expiresAt.getTime() > overlapEnds)
          old.expiresAt = new Date(overlapEnds);
        old.replacedBy = fresh.id;
        await tx.flush();
        await announceApiKeyChange(tx, old.keyHash);
        return { next: fresh, previous: old };
      });
      keys.forget(previous.keyHash);
      return { key, info: toApiKeyInfo(next), previous: toApiKeyInfo(previous) };
    },
  };
}

/** A key that no longer works, or was rotated already, is not rotated (again). */
function refuseRotation(row: ApiKeyRow, at: Date): void {
  const state = apiKeyState({ revokedAt: row.revokedAt ?? null, expiresAt: row.expiresAt ?? null }, at);
  if (state !== "active") {
    throw new ConnectError(`this key is ${state}: create a new one instead`, Code.FailedPrecondition);
  }
  if (row.replacedBy != null) {
    throw new ConnectError(
      `this key was rotated already (replaced by ${row.replacedBy}): rotate its replacement`,
      Code.FailedPrecondition,
    );
  }
}
