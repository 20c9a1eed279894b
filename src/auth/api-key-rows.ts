import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { LockMode } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/sql";
import { ApiKeyEntity, type ApiKeyRow } from "./api-key-entity.ts";
import { type ApiKeyRef, type CheckedApiKey, VISIBLE_CHARS } from "./api-key-rules.ts";
import { hashApiKey } from "./api-key-secret.ts";
import { REVOCATION_CHANNEL } from "./revocation-channel.ts";

/** Adds the row of a new key to `em` (flushed by the caller). */
export function addApiKeyRow(em: EntityManager, key: CheckedApiKey, secret: string, now: Date): ApiKeyRow {
  return em.create(ApiKeyEntity, {
    id: randomUUID(),
    tenantId: key.tenantId,
    subject: key.subject,
    name: key.name,
    prefix: secret.slice(0, VISIBLE_CHARS),
    keyHash: hashApiKey(secret),
    scopes: key.scopes,
    rateTier: key.rateTier,
    agentPool: key.agentPool,
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
    expiresAt: key.expiresAt,
    replacedBy: null,
  });
}

/**
 * The key `ref` names, of `tenantId` (any tenant when undefined), locked for update when `lock`.
 * Undefined when none matches: another tenant's key is not found, like one that does not exist.
 */
export async function findApiKey(
  em: EntityManager,
  ref: ApiKeyRef,
  tenantId: string | undefined,
  lock: boolean,
): Promise<ApiKeyRow | undefined> {
  const where = {
    ...("id" in ref ? { id: ref.id } : { prefix: ref.prefix }),
    ...(tenantId === undefined ? {} : { tenantId }),
  };
  const rows = await em.find(ApiKeyEntity, where, {
    limit: 2,
    orderBy: { id: "asc" },
    ...(lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {}),
  });
  if (rows.length > 1) {
    throw new ConnectError(
      "more than one key has that prefix: name the key by its id",
      Code.FailedPrecondition,
    );
  }
  return rows[0];
}

/**
 * Announces that a key's validity changed (revoked, or its expiry moved), in the transaction that changed
 * it: PostgreSQL delivers the notification at commit, and every process's listener then drops the key
 * from its verification cache (listenForRevocations).
 */
export async function announceApiKeyChange(tx: EntityManager, keyHash: string): Promise<void> {
  await tx
    .getConnection()
    .execute("select pg_notify(?, ?)", [REVOCATION_CHANNEL, keyHash], "all", tx.getTransactionContext());
}

/**
 * Revokes the key `ref` names (of `tenantId`, or any tenant when undefined) and announces it; returns the
 * row, or undefined when none matched. Revoking a revoked key keeps its first revocation time.
 */
export async function revokeApiKeyRow(
  em: EntityManager,
  ref: ApiKeyRef,
  tenantId: string | undefined,
  now: Date,
): Promise<ApiKeyRow | undefined> {
  return em.transactional(async (tx) => {
    const row = await findApiKey(tx, ref, tenantId, true);
    if (row === undefined) return undefined;
    row.revokedAt ??= now;
    await tx.flush();
    // Again for a revoked key too: a cache that somehow still holds it lets go.
    await announceApiKeyChange(tx, row.keyHash);
    return row;
  });
}
