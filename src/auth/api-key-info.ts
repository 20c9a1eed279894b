import type { ApiKeyRow } from "./api-key-entity.ts";

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
  /** When the key stops working (its expiry, or the end of a rotation's overlap); null when never. */
  expiresAt: Date | null;
  /** The key a rotation issued in this one's place; null when it was not rotated. */
  replacedBy: string | null;
  /** The agent pool an `agent` key serves; null for every other key. */
  agentPool: string | null;
}

/** Whether a key works: `active` (perhaps until `expiresAt`), `revoked` or `expired`. */
export type ApiKeyState = "active" | "revoked" | "expired";

/** The visible part of a stored key. */
export function toApiKeyInfo(row: ApiKeyRow): ApiKeyInfo {
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
    expiresAt: row.expiresAt ?? null,
    replacedBy: row.replacedBy ?? null,
    agentPool: row.agentPool ?? null,
  };
}

/**
 * The state of a key at `now`: whichever end came first. A key revoked before its expiry is `revoked`;
 * one whose expiry passed first is `expired`, even once revoked (the expiry sweep revokes expired keys
 * at their expiry, so that releases that only read `revoked_at` refuse them too).
 */
export function apiKeyState(key: Pick<ApiKeyInfo, "revokedAt" | "expiresAt">, now: Date): ApiKeyState {
  const expiry = key.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  if (key.revokedAt !== null && key.revokedAt.getTime() < expiry) return "revoked";
  if (expiry <= now.getTime()) return "expired";
  // Revoked, though not before an expiry that is still ahead: cannot happen with a sane clock, and a
  // revoked key is never active.
  return key.revokedAt !== null ? "revoked" : "active";
}
