import {
  calculatePKCECodeChallenge,
  checkProtocol,
  generateRandomCodeVerifier,
  generateRandomState,
} from "oauth4webapi";
import type { OAuthSettings } from "../../connectors/define/define-connector.ts";
import { toOAuthError } from "./to-oauth-error.ts";

/** Parameters that force an account picker when the connector names none (OpenID Connect `prompt`). */
export const DEFAULT_SELECT_ACCOUNT_PARAMS: Readonly<Record<string, string>> = { prompt: "select_account" };

/** Inputs of `createAuthorizationRequest`. */
export interface AuthorizationRequestOptions {
  settings: OAuthSettings;
  clientId: string;
  /** The callback URL registered with the provider (from `PATCHBAY_PUBLIC_URL`). */
  redirectUri: string;
  /** Force the provider's account picker (the connector's `selectAccountParams`). */
  selectAccount: boolean;
  /** Fixed `state`; a fresh random one (32 bytes, base64url) when absent. */
  state?: string;
  /** Fixed PKCE code verifier; a fresh random one when absent. */
  codeVerifier?: string;
  /** Permit an `http://` authorize URL; see `OAuthTransport.allowInsecure`. */
  allowInsecure?: boolean;
}

/** Where to send the user, and the two secrets the callback needs (store the state hashed, the verifier sealed). */
export interface AuthorizationRequest {
  url: string;
  state: string;
  codeVerifier: string;
}

/**
 * Builds an authorization code request with PKCE S256 (RFC 7636). Parameter precedence, lowest first: the
 * authorize URL's own query, `extraAuthorizeParams`, the account-picker parameters, then the protocol
 * parameters, which a connector cannot override.
 */
export async function createAuthorizationRequest(
  options: AuthorizationRequestOptions,
): Promise<AuthorizationRequest> {
  const { settings } = options;
  const url = new URL(settings.authorizeUrl);
  try {
    checkProtocol(url, options.allowInsecure !== true);
  } catch (error) {
    throw toOAuthError(error);
  }
  const state = options.state ?? generateRandomState();
  const codeVerifier = options.codeVerifier ?? generateRandomCodeVerifier();
  const selectAccount = options.selectAccount
    ? (settings.selectAccountParams ?? DEFAULT_SELECT_ACCOUNT_PARAMS)
    : {};
  const protocol: Record<string, string> = {
    response_type: "code",
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    state,
    code_challenge: await calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
  };
  if (settings.scopes.length > 0) protocol.scope = settings.scopes.join(" ");
  for (const params of [settings.extraAuthorizeParams ?? {}, selectAccount, protocol]) {
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  }
  return { url: url.href, state, codeVerifier };
}
