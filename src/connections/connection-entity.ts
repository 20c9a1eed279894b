import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/** Connection statuses. */
export const CONNECTION_STATUSES = ["pending", "active", "error", "revoked"] as const;

/**
 * A user's connection to a connector. Credentials (API-key fields or OAuth tokens) are one sealed JSON
 * value; nothing secret is stored in any other column.
 */
export const ConnectionEntity = defineEntity({
  name: "Connection",
  tableName: "connections",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.text(),
    subject: p.text(),
    connectorId: p.uuid(),
    connectorSlug: p.text(),
    label: p.text(),
    status: p.text(),
    authType: p.text(),
    sealedCredentials: p.text().nullable(),
    tokenExpiresAt: p.datetime().nullable(),
    grantedScopes: p.array(),
    lastError: p.text().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    deletedAt: p.datetime().nullable(),
  },
});

/** A row of `connections`. */
export type ConnectionRow = InferEntity<typeof ConnectionEntity>;

/** An OAuth authorization in flight: the state is stored hashed and is single-use. */
export const OAuthStateEntity = defineEntity({
  name: "OAuthState",
  tableName: "oauth_states",
  properties: {
    id: p.uuid().primary(),
    stateHash: p.text().unique(),
    connectionId: p.uuid(),
    sealedCodeVerifier: p.text(),
    selectAccount: p.boolean(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
  },
});

/** A row of `oauth_states`. */
export type OAuthStateRow = InferEntity<typeof OAuthStateEntity>;

/**
 * A keyless OAuth start link: the browser tab that opens it (once, before `expiresAt`) starts an
 * authorization for the connection. Nothing secret is stored: the link is the signed row id.
 */
export const OAuthLinkEntity = defineEntity({
  name: "OAuthLink",
  tableName: "oauth_links",
  properties: {
    id: p.uuid().primary(),
    connectionId: p.uuid(),
    selectAccount: p.boolean(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
  },
});

/** Sealing context of a connection's credentials. */
export function credentialsContext(connectionId: string): string {
  return `connection:${connectionId}:credentials`;
}
