import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/**
 * An API key. Only a SHA-256 hash of the key is stored (keys are 256-bit random, so a fast hash is
 * enough); `prefix` is the visible start of the key that people use to tell keys apart.
 */
export const ApiKeyEntity = defineEntity({
  name: "ApiKey",
  tableName: "api_keys",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.text(),
    subject: p.text(),
    name: p.text(),
    prefix: p.text(),
    keyHash: p.text().unique(),
    scopes: p.array(),
    createdAt: p.datetime(),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    // When the key stops working: its chosen expiry, or the end of a rotation's overlap window.
    expiresAt: p.datetime().nullable(),
    // The key a rotation issued in this one's place.
    replacedBy: p.uuid().nullable(),
    // The rate-limit tier (PATCHBAY_RATE_LIMITS); every tier spec defines "standard".
    rateTier: p.text().default("standard"),
    // The one agent pool an `agent` key serves (m0020); null for every other key.
    agentPool: p.text().nullable(),
  },
});

/** A row of `api_keys`. */
export type ApiKeyRow = InferEntity<typeof ApiKeyEntity>;
