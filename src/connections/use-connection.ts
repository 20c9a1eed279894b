import { Code, ConnectError } from "@connectrpc/connect";
import type { Context } from "@opentelemetry/api";
import type { Principal } from "../auth/index.ts";
import type { ConnectionDeps } from "./connection-deps.ts";
import { credentialsContext } from "./connection-entity.ts";
import { findOwnedConnection } from "./owned-connection.ts";
import type { TokenRefresher } from "./token-refresher.ts";

/** A connection ready to run a command with. */
export interface UsableConnection {
  id: string;
  connectorSlug: string;
  /** Decrypted credentials: API-key fields, or `{accessToken, tokenType}` for OAuth (refreshed if expiring). */
  credentials: Record<string, unknown>;
}

/** Resolves connections for command execution. */
export type ConnectionUser = (
  principal: Principal,
  connectionId: string,
  /** The caller's trace context: a token refresh made for it is its child span. */
  trace?: Context,
  options?: UseOptions,
) => Promise<UsableConnection>;

/** Options of a {@link ConnectionUser} call. */
export interface UseOptions {
  /**
   * False for a run that needs no credentials (a mocked call): the connection is checked the same way
   * (the caller's, active), but nothing is decrypted and no OAuth token is refreshed; credentials are {}.
   */
  credentials?: boolean;
}

/**
 * The caller's active connection with its credentials opened; OAuth tokens are refreshed first when they
 * expire within the margin (single flight). A connection that is not active is FAILED_PRECONDITION
 * naming its status, so the caller knows what to fix.
 */
export function createConnectionUser(deps: ConnectionDeps, tokens: TokenRefresher): ConnectionUser {
  return async (principal, connectionId, trace, options) => {
    const row = await findOwnedConnection(deps.em(), principal, connectionId);
    if (row.status !== "active" || row.sealedCredentials == null) {
      const why = row.lastError === "reauthorization_required" ? ": reauthorization_required" : "";
      throw new ConnectError(`connection is not active (${row.status}${why})`, Code.FailedPrecondition);
    }
    if (options?.credentials === false) {
      return { id: row.id, connectorSlug: row.connectorSlug, credentials: {} };
    }
    if (row.authType === "oauth") {
      const fresh = await tokens.use(row.id, trace);
      return {
        id: row.id,
        connectorSlug: row.connectorSlug,
        credentials: { accessToken: fresh.accessToken, tokenType: fresh.tokenType },
      };
    }
    const credentials = JSON.parse(
      deps.secretBox.openText(row.sealedCredentials, credentialsContext(row.id)),
    ) as Record<string, unknown>;
    return { id: row.id, connectorSlug: row.connectorSlug, credentials };
  };
}
