import {
  authorizationCodeGrantRequest,
  expectNoState,
  processAuthorizationCodeResponse,
  validateAuthResponse,
} from "oauth4webapi";
import type { OAuthSettings } from "../../connectors/define/define-connector.ts";
import { authorizationServerFor, clientAuthFor } from "./authorization-server.ts";
import { type OAuthTransport, requestOptions } from "./oauth-transport.ts";
import { toOAuthError } from "./to-oauth-error.ts";
import { type TokenSet, toTokenSet } from "./token-set.ts";

/** Inputs of `exchangeCode`. */
export interface ExchangeCodeOptions extends OAuthTransport {
  settings: OAuthSettings;
  clientId: string;
  clientSecret: string;
  /** The same redirect URI the authorization request named (RFC 6749 §4.1.3). */
  redirectUri: string;
  /** The code `parseCallback` returned. */
  code: string;
  /** The PKCE verifier created with the authorization request. */
  codeVerifier: string;
}

/**
 * Redeems an authorization code at the token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.5). Plain OAuth 2.0:
 * no nonce is sent, and an id_token, if the provider adds one, is only checked for consistency.
 * Throws `OAuthError` (`invalid_grant` for a used or expired code, `transient` for 5xx, 429 or network).
 */
export async function exchangeCode(options: ExchangeCodeOptions): Promise<TokenSet> {
  const { settings } = options;
  try {
    const as = authorizationServerFor(settings);
    const client = { client_id: options.clientId };
    // oauth4webapi takes the code only as validated callback parameters; state was checked by parseCallback.
    const callback = validateAuthResponse(
      as,
      client,
      new URLSearchParams({ code: options.code }),
      expectNoState,
    );
    const response = await authorizationCodeGrantRequest(
      as,
      client,
      clientAuthFor(settings, options.clientSecret),
      callback,
      options.redirectUri,
      options.codeVerifier,
      requestOptions(options),
    );
    const result = await processAuthorizationCodeResponse(as, client, response);
    return toTokenSet(result, { now: options.now?.() ?? new Date(), scopes: settings.scopes });
  } catch (error) {
    throw toOAuthError(error);
  }
}
