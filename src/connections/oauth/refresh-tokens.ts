import { processRefreshTokenResponse, refreshTokenGrantRequest } from "oauth4webapi";
import type { OAuthSettings } from "../../connectors/define/define-connector.ts";
import { authorizationServerFor, clientAuthFor } from "./authorization-server.ts";
import { type OAuthTransport, requestOptions } from "./oauth-transport.ts";
import { toOAuthError } from "./to-oauth-error.ts";
import { type TokenSet, toTokenSet } from "./token-set.ts";

/** Inputs of `refreshTokens`. */
export interface RefreshTokensOptions extends OAuthTransport {
  settings: OAuthSettings;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Scopes granted so far; kept when the answer carries no `scope` (RFC 6749 §6). `settings.scopes` when absent. */
  scopes?: readonly string[];
}

/**
 * Trades a refresh token for new tokens (RFC 6749 §6). A provider that rotates refresh tokens returns a
 * new one, which replaces the old; one that does not leaves the old one in the result.
 * Throws `OAuthError`: `invalid_grant` means the refresh token is dead and the user must authorize again.
 */
export async function refreshTokens(options: RefreshTokensOptions): Promise<TokenSet> {
  const { settings } = options;
  try {
    const as = authorizationServerFor(settings);
    const client = { client_id: options.clientId };
    const response = await refreshTokenGrantRequest(
      as,
      client,
      clientAuthFor(settings, options.clientSecret),
      options.refreshToken,
      requestOptions(options),
    );
    const result = await processRefreshTokenResponse(as, client, response);
    return toTokenSet(result, {
      now: options.now?.() ?? new Date(),
      scopes: options.scopes ?? settings.scopes,
      refreshToken: options.refreshToken,
    });
  } catch (error) {
    throw toOAuthError(error);
  }
}
