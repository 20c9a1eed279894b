import { randomUUID } from "node:crypto";
import type { ConnectorView } from "../catalog/index.ts";
import type { ConnectionDeps } from "./connection-deps.ts";
import {
  ConnectionEntity,
  type ConnectionRow,
  credentialsContext,
  OAuthStateEntity,
} from "./connection-entity.ts";
import { createAuthorizationRequest } from "./oauth/create-authorization-request.ts";
import { exchangeCode } from "./oauth/exchange-code.ts";
import { hashState } from "./oauth/hash-state.ts";
import { OAuthError } from "./oauth/oauth-error.ts";
import { parseCallback } from "./oauth/parse-callback.ts";
import type { TokenSet } from "./oauth/token-set.ts";
import { resolveOAuthClient } from "./oauth-client.ts";

/** How long a started authorization may take (issue 5: ten minutes). */
export const STATE_TTL_MS = 10 * 60 * 1000;

/** The sealing context of a state's PKCE verifier. */
export function verifierContext(stateId: string): string {
  return `oauth-state:${stateId}:verifier`;
}

/** The callback URL registered with providers. */
export function redirectUriOf(deps: ConnectionDeps): string {
  return `${deps.publicUrl}/api/v1/connections/oauth/callback`;
}

/** The tokens as sealed in `connections.sealed_credentials`. */
export interface StoredTokens {
  accessToken: string;
  refreshToken?: string;
  tokenType: string;
}

/** Seals a token set onto a connection row and activates it. */
export function storeTokens(
  deps: ConnectionDeps,
  row: ConnectionRow,
  tokens: TokenSet,
  previous?: StoredTokens,
): void {
  const refreshToken = tokens.refreshToken ?? previous?.refreshToken;
  const stored: StoredTokens = {
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    ...(refreshToken === undefined ? {} : { refreshToken }),
  };
  row.sealedCredentials = deps.secretBox.seal(JSON.stringify(stored), credentialsContext(row.id));
  row.tokenExpiresAt = tokens.expiresAt ?? null;
  row.grantedScopes = [...tokens.scopes];
  row.status = "active";
  row.lastError = null;
  row.updatedAt = deps.now();
}

/**
 * Starts an authorization for a connection: PKCE (S256) and a random state, stored hashed with the
 * sealed verifier and a ten-minute expiry; returns the provider URL to open in a browser tab.
 */
export async function beginAuthorization(
  deps: ConnectionDeps,
  row: ConnectionRow,
  connector: ConnectorView,
  selectAccount: boolean,
): Promise<string> {
  const client = resolveOAuthClient(deps, connector);
  const request = await createAuthorizationRequest({
    settings: client.settings,
    clientId: client.clientId,
    redirectUri: redirectUriOf(deps),
    selectAccount,
    allowInsecure: client.allowInsecure,
  });
  const now = deps.now();
  const em = deps.em();
  const id = randomUUID();
  em.create(OAuthStateEntity, {
    id,
    stateHash: hashState(request.state),
    connectionId: row.id,
    sealedCodeVerifier: deps.secretBox.seal(request.codeVerifier, verifierContext(id)),
    selectAccount,
    expiresAt: new Date(now.getTime() + STATE_TTL_MS),
    usedAt: null,
    createdAt: now,
  });
  await em.flush();
  return request.url;
}

/** How a callback ended, for the completion page (reason codes are operator-safe). */
export interface CallbackOutcome {
  ok: boolean;
  connectionId?: string;
  reason?: string;
}

/**
 * Completes an authorization from the provider's redirect. The state must be known, unexpired and unused
 * (it is consumed atomically, so a replay fails even when two arrive together); then the code is
 * exchanged, the tokens sealed and the connection activated. Failures leave `last_error` on the connection.
 */
export async function completeAuthorization(
  deps: ConnectionDeps,
  query: URLSearchParams,
  lookup: (tenantId: string, slug: string) => Promise<ConnectorView | undefined>,
): Promise<CallbackOutcome> {
  const state = query.get("state") ?? "";
  if (state === "") return { ok: false, reason: "state_missing" };
  const em = deps.em();
  const stateHash = hashState(state);
  const stored = await em.findOne(OAuthStateEntity, { stateHash });
  if (stored === null) return { ok: false, reason: "state_unknown" };
  const now = deps.now();
  const consumed = await em.nativeUpdate(OAuthStateEntity, { id: stored.id, usedAt: null }, { usedAt: now });
  if (consumed === 0) return { ok: false, connectionId: stored.connectionId, reason: "state_reused" };
  const row = await em.findOne(ConnectionEntity, { id: stored.connectionId, deletedAt: null });
  if (row === null) return { ok: false, reason: "state_unknown" };
  const fail = async (reason: string): Promise<CallbackOutcome> => {
    row.lastError = `oauth: ${reason}`;
    row.updatedAt = now;
    await em.flush();
    return { ok: false, connectionId: row.id, reason };
  };
  if (stored.expiresAt.getTime() < now.getTime()) return fail("state_expired");
  const connector = await lookup(row.tenantId, row.connectorSlug);
  if (connector === undefined) return fail("connector_deleted");
  try {
    const client = resolveOAuthClient(deps, connector);
    const { code } = parseCallback({ settings: client.settings, params: query, stateHash });
    const tokens = await exchangeCode({
      settings: client.settings,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      redirectUri: redirectUriOf(deps),
      code,
      codeVerifier: deps.secretBox.openText(stored.sealedCodeVerifier, verifierContext(stored.id)),
      allowInsecure: client.allowInsecure,
      fetch: deps.oauthFetch ?? deps.outbound.guard.fetch,
      now: deps.now,
    });
    storeTokens(deps, row, tokens);
    await em.flush();
    return { ok: true, connectionId: row.id };
  } catch (error) {
    if (error instanceof OAuthError) {
      deps.logger.warn(
        { connection: row.id, kind: error.kind, status: error.status },
        "OAuth completion failed",
      );
      return fail(
        error.kind === "access_denied"
          ? "access_denied"
          : error.kind === "invalid_state"
            ? "state_mismatch"
            : "exchange_failed",
      );
    }
    throw error;
  }
}
