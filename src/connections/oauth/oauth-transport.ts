import { allowInsecureRequests, customFetch, type TokenEndpointRequestOptions } from "oauth4webapi";

/** How the protocol functions reach the provider; every field is optional. */
export interface OAuthTransport {
  /** Sends the HTTP requests; the global `fetch` when absent. Tests pass a recording wrapper. */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
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
  const send = transport.fetch;
  return {
    signal: transport.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS),
    ...(send === undefined ? {} : { [customFetch]: (url: string, init: RequestInit) => send(url, init) }),
    ...(transport.allowInsecure === true ? { [allowInsecureRequests]: true } : {}),
  };
}
