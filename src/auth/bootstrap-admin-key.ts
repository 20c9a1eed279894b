import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/sql";
import { ApiKeyEntity } from "./api-key-entity.ts";
import { generateApiKey, hashApiKey } from "./api-keys.ts";

/** What {@link bootstrapAdminKey} did. */
export type BootstrapResult =
  | { readonly kind: "exists" }
  | { readonly kind: "stored-configured"; readonly prefix: string }
  | { readonly kind: "generated"; readonly key: string; readonly prefix: string };

/** Tenant and subject of the key made on first start. */
export const BOOTSTRAP_TENANT = "default";
const BOOTSTRAP_LOCK = 7_201_001;

/**
 * On a database with no API keys, creates the first admin key: the configured one (stored hashed, never
 * printed) or a generated one that the caller prints once. A transaction-scoped advisory lock makes
 * replicas starting together on one empty database create exactly one key.
 */
export async function bootstrapAdminKey(
  em: EntityManager,
  configuredKey: string | undefined,
): Promise<BootstrapResult> {
  return em.transactional(async (tx) => {
    await tx
      .getConnection()
      .execute(`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`, [], "all", tx.getTransactionContext());
    if ((await tx.count(ApiKeyEntity, {})) > 0) return { kind: "exists" } as const;
    const key = configuredKey ?? generateApiKey();
    const prefix = key.slice(0, 12);
    tx.create(ApiKeyEntity, {
      id: randomUUID(),
      tenantId: BOOTSTRAP_TENANT,
      subject: "admin",
      name: "bootstrap admin",
      prefix,
      keyHash: hashApiKey(key),
      scopes: ["admin"],
      createdAt: new Date(),
      lastUsedAt: null,
      revokedAt: null,
    });
    return configuredKey === undefined
      ? ({ kind: "generated", key, prefix } as const)
      : ({ kind: "stored-configured", prefix } as const);
  });
}
