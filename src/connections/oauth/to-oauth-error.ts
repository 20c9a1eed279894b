import {
  AuthorizationResponseError,
  HTTP_REQUEST_FORBIDDEN,
  OperationProcessingError,
  REQUEST_PROTOCOL_FORBIDDEN,
  ResponseBodyError,
  UnsupportedOperationError,
  WWWAuthenticateChallengeError,
} from "oauth4webapi";
import { outboundErrorIn } from "../../outbound/index.ts";
import { OAuthError, type OAuthErrorKind } from "./oauth-error.ts";

/**
 * Provider `error` codes (RFC 6749 §4.1.2.1 and §5.2, RFC 7009 §2.2.1) that mean more than
 * `provider_error`. Codes not listed are `provider_error`.
 */
export const PROVIDER_ERROR_KINDS: Readonly<Record<string, OAuthErrorKind>> = {
  invalid_grant: "invalid_grant",
  access_denied: "access_denied",
  invalid_client: "invalid_client",
  unauthorized_client: "invalid_client",
  server_error: "transient",
  temporarily_unavailable: "transient",
  // GitHub answers a dead code, or wrong client credentials, with HTTP 200 and its own codes.
  bad_verification_code: "invalid_grant",
  incorrect_client_credentials: "invalid_client",
};

/** Text that leads each operator-safe message. */
export const KIND_MESSAGES: Readonly<Record<OAuthErrorKind, string>> = {
  invalid_grant: "provider refused the grant",
  access_denied: "access was denied at the provider",
  invalid_client: "provider refused the client credentials",
  invalid_state: "callback state does not match the flow",
  provider_error: "provider answered an error",
  transient: "provider is temporarily unavailable",
};

// An error code is echoed only when it looks like one; anything else may be free text.
const SAFE_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

function safeCode(code: unknown): string {
  return typeof code === "string" && SAFE_CODE.test(code) ? code : "unrecognized_error";
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function fromProviderCode(code: unknown, status?: number): OAuthError {
  const providerError = safeCode(code);
  const listed = Object.hasOwn(PROVIDER_ERROR_KINDS, providerError)
    ? PROVIDER_ERROR_KINDS[providerError]
    : undefined;
  const kind = status !== undefined && isRetryableStatus(status) ? "transient" : (listed ?? "provider_error");
  return new OAuthError(kind, `${KIND_MESSAGES[kind]} (${providerError})`, {
    providerError,
    ...(status === undefined ? {} : { status }),
  });
}

function fromStatus(status: number): OAuthError {
  const kind = isRetryableStatus(status) ? "transient" : status === 401 ? "invalid_client" : "provider_error";
  return new OAuthError(kind, `${KIND_MESSAGES[kind]} (HTTP ${status})`, { status });
}

function bodyErrorOf(cause: unknown): unknown {
  if (typeof cause !== "object" || cause === null || !("body" in cause)) return undefined;
  const body = cause.body;
  return typeof body === "object" && body !== null && "error" in body ? body.error : undefined;
}

function fromProcessingError(error: OperationProcessingError): OAuthError {
  if (error.code === HTTP_REQUEST_FORBIDDEN || error.code === REQUEST_PROTOCOL_FORBIDDEN) {
    return new OAuthError("provider_error", "provider endpoint must use https");
  }
  if (error.cause instanceof Response && error.cause.status >= 300) return fromStatus(error.cause.status);
  const bodyError = bodyErrorOf(error.cause);
  if (typeof bodyError === "string") return fromProviderCode(bodyError);
  return new OAuthError(
    "provider_error",
    `provider answered an unexpected response (${error.code ?? "unknown"})`,
  );
}

function errorName(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "name" in error && typeof error.name === "string"
    ? error.name
    : undefined;
}

function codeOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error && error.code !== undefined
    ? String(error.code)
    : undefined;
}

/**
 * Classifies anything a protocol step threw. Provider answers become a kind and a short code-like message;
 * abort, timeout and network failures are `transient`; anything else is a `provider_error` naming only
 * the error's class or code.
 */
export function toOAuthError(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  // An answer over the outbound size cap, however deep oauth4webapi wrapped it (a body that overflowed
  // while being parsed becomes its parse error).
  if (outboundErrorIn(error)?.code === "TOO_LARGE") {
    return new OAuthError("provider_error", "provider answer too large (TOO_LARGE)", { cause: error });
  }
  if (error instanceof ResponseBodyError) return fromProviderCode(error.error, error.status);
  if (error instanceof AuthorizationResponseError) return fromProviderCode(error.error);
  if (error instanceof WWWAuthenticateChallengeError) {
    const challengeError = error.cause[0]?.parameters.error;
    return challengeError === undefined
      ? fromStatus(error.status)
      : fromProviderCode(challengeError, error.status);
  }
  if (error instanceof OperationProcessingError) return fromProcessingError(error);
  if (error instanceof UnsupportedOperationError) {
    return new OAuthError(
      "provider_error",
      "provider answered an unsupported response (unsupported_operation)",
    );
  }
  const name = errorName(error);
  if (name === "TimeoutError") return new OAuthError("transient", "provider timed out", { cause: error });
  if (name === "AbortError")
    return new OAuthError("transient", "request to provider aborted", { cause: error });
  // fetch rejects with a bare TypeError on DNS, connect and TLS failures; argument and URL errors carry a `code`.
  const code = codeOf(error);
  if (code === "EGRESS_REFUSED") {
    return new OAuthError(
      "provider_error",
      "provider endpoint refused by the egress policy (EGRESS_REFUSED); PATCHBAY_EGRESS_ALLOW can allow it",
      { cause: error },
    );
  }
  if (error instanceof TypeError && code === undefined) {
    return new OAuthError("transient", "provider unreachable (network error)", { cause: error });
  }
  return new OAuthError("provider_error", `OAuth request failed (${safeCode(code ?? name)})`, {
    cause: error,
  });
}
