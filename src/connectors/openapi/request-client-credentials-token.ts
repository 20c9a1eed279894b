import { isIP } from "node:net";
import {
  type AuthorizationServer,
  allowInsecureRequests,
  type Client,
  ClientSecretBasic,
  clientCredentialsGrantRequest,
  customFetch,
  OperationProcessingError,
  processClientCredentialsResponse,
  ResponseBodyError,
  UnsupportedOperationError,
  WWWAuthenticateChallengeError,
} from "oauth4webapi";
import { outboundErrorIn } from "../../outbound/index.ts";
import type { ConnectorResult } from "../define/outcome.ts";
import { isHeaderValue } from "./is-header-value.ts";

/** What an OAuth 2 client credentials grant (RFC 6749 §4.4) needs; `clientSecret` is a secret. */
export interface ClientCredentialsGrant {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Sorted, without duplicates; none means no `scope` parameter. */
  scopes: string[];
}

/** How the token request goes out: `fetch` under the egress policy, or a test's own. */
export type TokenFetch = (url: string, init: RequestInit) => Promise<Response>;

/** An access token with its lifetime in seconds, or the failure that stopped it. */
export type TokenAnswer =
  | { ok: true; token: string; expiresIn: number | undefined }
  | { ok: false; result: ConnectorResult };

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}

/**
 * Whether the token may be fetched from `tokenUrl`: https, or plain http to this machine only (tests and
 * local development), so the client secret and the token never cross a network in clear.
 */
export function isAllowedTokenUrl(tokenUrl: string): boolean {
  const url = URL.parse(tokenUrl);
  if (url === null || url.username !== "" || url.password !== "") return false;
  return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
}

// An error code is echoed only when it looks like one; anything else may be free text.
const SAFE_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

function failure(error: string, errorCode: string, status?: number): TokenAnswer {
  return {
    ok: false,
    result: {
      success: false,
      error,
      errorCode,
      ...(status !== undefined ? { diagnostics: { status } } : {}),
    },
  };
}

/** A 2xx answer without a usable token: no access_token, an unknown token_type, not JSON. */
function unusable(reason: string, status: number): TokenAnswer {
  return failure(
    `the token endpoint answered an unusable token response (${SAFE_CODE.test(reason) ? reason : "invalid"})`,
    "UPSTREAM_AUTH_FAILED",
    status,
  );
}

/** A token endpoint's answer other than 200: the client credentials refused, or the endpoint down. */
function refused(status: number, code: unknown): TokenAnswer {
  if (status < 300) return unusable("unexpected_status", status);
  if (status === 429) return failure("the token endpoint is rate limiting", "UPSTREAM_RATE_LIMITED", status);
  if (status >= 500)
    return failure(`the token endpoint is unavailable (HTTP ${status})`, "UPSTREAM_UNAVAILABLE", status);
  const reason = typeof code === "string" && SAFE_CODE.test(code) ? code : `HTTP ${status}`;
  return failure(
    `the token endpoint refused the client credentials (${reason})`,
    "UPSTREAM_AUTH_FAILED",
    status,
  );
}

/** Classifies what the grant threw; the response body (it may hold a token) never reaches the result. */
function toAnswer(error: unknown, status: number | undefined): TokenAnswer {
  if (error instanceof ResponseBodyError) return refused(error.status, error.error);
  if (error instanceof WWWAuthenticateChallengeError)
    return refused(error.status, error.cause[0]?.parameters.error);
  if (error instanceof OperationProcessingError && error.cause instanceof Response)
    return refused(error.cause.status, undefined);
  // oauth4webapi wraps what reading the body threw (the guard's TOO_LARGE) in its own parse error.
  const outbound = outboundErrorIn(error);
  if (outbound !== undefined)
    return failure(outbound.message, outbound.code === "TIMEOUT" ? "UPSTREAM_TIMEOUT" : outbound.code);
  const name = error instanceof Error ? error.name : "";
  if (name === "TimeoutError" || name === "AbortError")
    return failure("the token endpoint did not answer in time", "UPSTREAM_TIMEOUT");
  if (status === undefined) return failure("the token endpoint is unreachable (network error)", "NETWORK");
  const code =
    error instanceof OperationProcessingError || error instanceof UnsupportedOperationError
      ? error.code
      : undefined;
  return unusable(code ?? name, status);
}

/**
 * Asks `grant.tokenUrl` for an access token with the client credentials grant, the client
 * authenticated with HTTP Basic (RFC 6749 §2.3.1). Never rejects: refusals, outages and malformed
 * answers become results that name the token endpoint's error code or HTTP status only.
 */
export async function requestClientCredentialsToken(
  grant: ClientCredentialsGrant,
  fetch: TokenFetch,
  timeoutMs: number,
): Promise<TokenAnswer> {
  if (!isAllowedTokenUrl(grant.tokenUrl))
    return failure("the connection's tokenUrl must be an https URL", "NOT_CONFIGURED");
  const tokenUrl = new URL(grant.tokenUrl);
  const as: AuthorizationServer = { issuer: tokenUrl.origin, token_endpoint: grant.tokenUrl };
  const client: Client = { client_id: grant.clientId };
  const parameters = new URLSearchParams();
  if (grant.scopes.length > 0) parameters.set("scope", grant.scopes.join(" "));
  let status: number | undefined;
  try {
    const response = await clientCredentialsGrantRequest(
      as,
      client,
      ClientSecretBasic(grant.clientSecret),
      parameters,
      {
        signal: AbortSignal.timeout(timeoutMs),
        [customFetch]: (url: string, init: RequestInit) => fetch(url, init),
        ...(tokenUrl.protocol === "http:" ? { [allowInsecureRequests]: true } : {}),
      },
    );
    status = response.status;
    const answer = await processClientCredentialsResponse(as, client, response);
    // Sent as Bearer: a DPoP-bound token would need proofs we do not make.
    if (answer.token_type !== "bearer") return unusable("token_type", status);
    if (answer.access_token === "" || !isHeaderValue(answer.access_token))
      return unusable("access_token", status);
    return { ok: true, token: answer.access_token, expiresIn: answer.expires_in };
  } catch (error) {
    return toAnswer(error, status);
  }
}
