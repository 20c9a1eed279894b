import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { LockMode } from "@mikro-orm/core";
import { type Context, SpanKind } from "@opentelemetry/api";
import type { ConnectorLookup } from "../catalog/index.ts";
import { failSpan } from "../tracing/index.ts";
import type { ConnectionDeps } from "./connection-deps.ts";
import { ConnectionEntity, type ConnectionRow, credentialsContext } from "./connection-entity.ts";
import { OAuthError } from "./oauth/oauth-error.ts";
import { refreshTokens } from "./oauth/refresh-tokens.ts";
import type { TokenSet } from "./oauth/token-set.ts";
import { type OAuthClient, resolveOAuthClient } from "./oauth-client.ts";
import { type StoredTokens, storeTokens } from "./oauth-flow.ts";

/** Fresh tokens of an OAuth connection. */
export interface TokenRefresher {
  /**
   * The connection's tokens, refreshed first when they expire within the margin; a refresh made for a
   * traced caller is an `oauth refresh` span in its trace.
   */
  use(connectionId: string, trace?: Context): Promise<StoredTokens>;
  /** Refreshes now, whatever the expiry (RefreshConnection). */
  refresh(connectionId: string): Promise<ConnectionRow>;
}

const RETRY_DELAYS_MS = [200, 800];

/**
 * Refreshes with one token request per expiry, however many callers: callers in one process share one
 * promise per connection, and replicas serialize on the connection row (`SELECT … FOR UPDATE` inside a
 * transaction), re-reading it after the lock so that later callers find the new token. `invalid_grant`
 * marks the connection `error` with `reauthorization_required`; transient failures retry with backoff.
 */
export function createTokenRefresher(deps: ConnectionDeps, lookup: ConnectorLookup): TokenRefresher {
  const inFlight = new Map<string, Promise<{ tokens: StoredTokens; row: ConnectionRow }>>();
  const marginMs = (deps.oauthRefreshMarginSeconds ?? 300) * 1000;

  async function requestTokens(
    client: OAuthClient,
    row: ConnectionRow,
    current: StoredTokens,
  ): Promise<TokenSet> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await refreshTokens({
          settings: client.settings,
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          refreshToken: current.refreshToken ?? "",
          scopes: row.grantedScopes,
          allowInsecure: client.allowInsecure,
          fetch: deps.oauthFetch ?? deps.outbound.guard.fetch,
          now: deps.now,
        });
      } catch (error) {
        const delay = RETRY_DELAYS_MS[attempt];
        if (!(error instanceof OAuthError) || error.kind !== "transient" || delay === undefined) throw error;
        await sleep(delay);
      }
    }
  }

  /** The OAuth client of a connection's connector, read before any lock is taken. */
  async function clientOf(id: string): Promise<OAuthClient> {
    const peek = await deps.em().findOne(ConnectionEntity, { id, deletedAt: null });
    if (peek === null) throw new ConnectError("connection not found", Code.NotFound);
    const connector = await lookup(peek.tenantId, peek.connectorSlug);
    if (connector === undefined)
      throw new ConnectError("the connector of this connection was deleted", Code.FailedPrecondition);
    return resolveOAuthClient(deps, connector);
  }

  /** The token request, as a span of the caller's trace when it is traced (outcome only). */
  async function requestTraced(
    client: OAuthClient,
    row: ConnectionRow,
    current: StoredTokens,
    trace: Context | undefined,
  ): Promise<TokenSet> {
    if (deps.tracing === undefined || trace === undefined) return requestTokens(client, row, current);
    const { span } = deps.tracing.start("oauth refresh", { kind: SpanKind.CLIENT }, trace);
    try {
      const tokens = await requestTokens(client, row, current);
      span.setAttribute("patchbay.oauth.outcome", "refreshed");
      return tokens;
    } catch (error) {
      const refused = error instanceof OAuthError && error.kind === "invalid_grant";
      span.setAttribute("patchbay.oauth.outcome", refused ? "reauthorization_required" : "failed");
      failSpan(span, refused ? "reauthorization_required" : "failed");
      throw error;
    } finally {
      span.end();
    }
  }

  async function refreshLocked(
    id: string,
    force: boolean,
    trace?: Context,
  ): Promise<{ tokens: StoredTokens; row: ConnectionRow }> {
    // Everything that reads other rows happens before the lock: the embedded database has one
    // connection, and a query outside the transaction would wait for it forever.
    const client = await clientOf(id);
    let reauthorize = false;
    const result = await deps.em().transactional(async (tx) => {
      const row = await tx.findOne(
        ConnectionEntity,
        { id, deletedAt: null },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (row === null) throw new ConnectError("connection not found", Code.NotFound);
      if (row.sealedCredentials == null) {
        throw new ConnectError(
          "connection has no tokens: complete the OAuth flow first",
          Code.FailedPrecondition,
        );
      }
      const current = JSON.parse(
        deps.secretBox.openText(row.sealedCredentials, credentialsContext(row.id)),
      ) as StoredTokens;
      const now = deps.now().getTime();
      const expiring = row.tokenExpiresAt != null && row.tokenExpiresAt.getTime() - now <= marginMs;
      if (!force && !expiring) return { tokens: current, row };
      if (current.refreshToken === undefined) {
        reauthorize = true;
        deps.metrics?.refreshed("reauthorization_required");
      } else {
        try {
          const tokens = await requestTraced(client, row, current, trace).catch((error: unknown) => {
            const refused = error instanceof OAuthError && error.kind === "invalid_grant";
            deps.metrics?.refreshed(refused ? "reauthorization_required" : "failed");
            throw error;
          });
          deps.metrics?.refreshed("refreshed");
          storeTokens(deps, row, tokens, current);
          const fresh = JSON.parse(
            deps.secretBox.openText(row.sealedCredentials ?? "", credentialsContext(row.id)),
          ) as StoredTokens;
          return { tokens: fresh, row };
        } catch (error) {
          if (!(error instanceof OAuthError) || error.kind !== "invalid_grant") throw error;
          reauthorize = true;
        }
      }
      row.status = "error";
      row.lastError = "reauthorization_required";
      row.updatedAt = new Date(now);
      return { tokens: current, row };
    });
    if (reauthorize) {
      throw new ConnectError(
        "the provider no longer accepts this connection: reauthorization_required",
        Code.FailedPrecondition,
      );
    }
    return result;
  }

  function once(key: string, run: () => Promise<{ tokens: StoredTokens; row: ConnectionRow }>) {
    let pending = inFlight.get(key);
    if (pending === undefined) {
      pending = run().finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    } else {
      deps.metrics?.joinedRefresh();
    }
    return pending;
  }

  return {
    // A provider's refusal leaves here in the error vocabulary, whoever asked (Execute, a webhook
    // command, RefreshConnection): transient → UNAVAILABLE, anything else → FAILED_PRECONDITION.
    use: async (id, trace) =>
      (await once(`use:${id}`, () => refreshLocked(id, false, trace)).catch(rethrowOAuthFailure)).tokens,
    refresh: async (id) =>
      (await once(`refresh:${id}`, () => refreshLocked(id, true)).catch(rethrowOAuthFailure)).row,
  };
}

function rethrowOAuthFailure(error: unknown): never {
  throw oauthFailure(error);
}

/** Maps a provider failure during an RPC to the error vocabulary (transient → UNAVAILABLE). */
export function oauthFailure(error: unknown): unknown {
  if (!(error instanceof OAuthError)) return error;
  const code = error.kind === "transient" ? Code.Unavailable : Code.FailedPrecondition;
  return new ConnectError(`OAuth provider error: ${error.kind}`, code, undefined, undefined, error);
}
