import type { TokenEndpointResponse } from "oauth4webapi";

/** The tokens a provider granted, in the shape the connection service seals and stores. */
export interface TokenSet {
  accessToken: string;
  /** Absent when the provider issues none (then the connection cannot refresh). */
  refreshToken?: string;
  /** When the access token expires; absent when the provider did not say (`expires_in`). */
  expiresAt?: Date;
  /** Granted scopes: the answer's `scope`, or the requested ones when it has none (RFC 6749 §5.1). */
  scopes: string[];
  /** Lowercased token type, `bearer` in practice. */
  tokenType: string;
}

/** How to fill what a token answer may leave out. */
export interface TokenSetDefaults {
  now: Date;
  /** Scopes assumed when the answer carries no `scope`. */
  scopes: readonly string[];
  /** Refresh token kept when the answer carries none (a provider that does not rotate). */
  refreshToken?: string;
}

/** Maps an oauth4webapi token endpoint answer to a `TokenSet`. */
export function toTokenSet(response: TokenEndpointResponse, defaults: TokenSetDefaults): TokenSet {
  const refreshToken = response.refresh_token ?? defaults.refreshToken;
  // RFC 6749 §3.3 separates scopes with spaces; GitHub separates them with commas.
  const scopes =
    response.scope === undefined
      ? [...defaults.scopes]
      : response.scope.split(/[\s,]+/).filter((s) => s !== "");
  return {
    accessToken: response.access_token,
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(response.expires_in === undefined
      ? {}
      : { expiresAt: new Date(defaults.now.getTime() + response.expires_in * 1000) }),
    scopes,
    tokenType: response.token_type,
  };
}
