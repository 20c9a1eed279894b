export { authorizationServerFor, clientAuthFor } from "./authorization-server.ts";
export {
  COMPLETION_CHANNEL,
  type CompletionPage,
  type CompletionPageOptions,
  completionPage,
} from "./completion-page.ts";
export {
  type AuthorizationRequest,
  type AuthorizationRequestOptions,
  createAuthorizationRequest,
  DEFAULT_SELECT_ACCOUNT_PARAMS,
} from "./create-authorization-request.ts";
export { type ExchangeCodeOptions, exchangeCode } from "./exchange-code.ts";
export { hashState, stateMatches } from "./hash-state.ts";
export { isLoopbackUrl } from "./is-loopback-url.ts";
export { OAUTH_ERROR_KINDS, OAuthError, type OAuthErrorDetails, type OAuthErrorKind } from "./oauth-error.ts";
export { DEFAULT_TIMEOUT_MS, type OAuthTransport } from "./oauth-transport.ts";
export { type CallbackOptions, parseCallback } from "./parse-callback.ts";
export { type RefreshTokensOptions, refreshTokens } from "./refresh-tokens.ts";
export { type RevokeTokenOptions, revokeToken } from "./revoke-token.ts";
export { KIND_MESSAGES, PROVIDER_ERROR_KINDS, toOAuthError } from "./to-oauth-error.ts";
export type { TokenSet } from "./token-set.ts";
