import { allowInsecureRequests, customFetch, type TokenEndpointRequestOptions } from "oauth4webapi";

/** How the protocol functions reach the provider; every field but `fetch` is optional. */
export interface OAuthTransport {
  /**
   * Sends the HTTP requests: the server passes a `fetch` under its egress policy (its outbound client's
   * `guard.fetch`: the provider's token and revocation endpoints are refused if they are internal
   * addresses, unless PATCHBAY_EGRESS_ALLOW lists them). Tests pass a recording wrapper.
   */
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  /**
   * Permits plain `http://` endpoints. oauth4webapi refuses them by default, and so does Patchbay: pass
   * `true` only for a loopback endpoint (see `isLoopbackUrl`), in tests and local development, never for a
   * provider reached over a network.
   */
  allowInsecure?: boolean;
  /** Aborts the request; a 10-second timeout when absent. An abort or timeout is a `transient` failure. */
  signal?: AbortSignal;
  /** The clock used to turn `expires_in` into `expiresAt`; `new Date()` when absent. */
  now?: () => Date;
}

/** Default deadline of one request to the provider. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** The oauth4webapi request options for a transport. */
export function requestOptions(transport: OAuthTransport): TokenEndpointRequestOptions {
  return {
    signal: transport.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS),
    [customFetch]: (url: string, init: RequestInit) => transport.fetch(url, init),
    ...(transport.allowInsecure === true ? { [allowInsecureRequests]: true } : {}),
  };
}
