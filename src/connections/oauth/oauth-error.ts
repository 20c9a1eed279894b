/**
 * How an OAuth failure should be handled:
 * - `invalid_grant`: the code or refresh token is dead; the user must authorize again.
 * - `access_denied`: the user (or the provider's policy) declined at the authorize step.
 * - `invalid_client`: the client id or secret is wrong; an operator must fix the connector config.
 * - `invalid_state`: the callback's `state` does not belong to this flow.
 * - `provider_error`: any other refusal or malformed answer; retrying will not help.
 * - `transient`: network error, timeout, HTTP 5xx or 429; retry with backoff.
 */
export type OAuthErrorKind =
  | "invalid_grant"
  | "access_denied"
  | "invalid_client"
  | "invalid_state"
  | "provider_error"
  | "transient";

/** Every kind, for exhaustive tests and documentation. */
export const OAUTH_ERROR_KINDS: readonly OAuthErrorKind[] = [
  "invalid_grant",
  "access_denied",
  "invalid_client",
  "invalid_state",
  "provider_error",
  "transient",
];

/** Extra, operator-safe facts about a failure. */
export interface OAuthErrorDetails {
  /** The provider's `error` code when it is a short token (never its free-text description). */
  providerError?: string;
  /** HTTP status of the provider's answer, when there was one. */
  status?: number;
  /** A local error behind the failure (network, bad URL); never a provider answer, which may hold tokens. */
  cause?: unknown;
}

/**
 * A classified OAuth failure. `message` is short, code-like text safe for logs, `last_error` and the API
 * (for example `provider refused the grant (invalid_grant)`): it never carries the provider's
 * `error_description`, a token or a secret. `cause` is set only for local failures (a refused connection,
 * a malformed URL), never to a provider's answer, so logging it cannot leak a token.
 */
export class OAuthError extends Error {
  override name = "OAuthError";
  readonly kind: OAuthErrorKind;
  readonly providerError: string | undefined;
  readonly status: number | undefined;

  constructor(kind: OAuthErrorKind, message: string, details: OAuthErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.providerError = details.providerError;
    this.status = details.status;
  }
}
