import {
  AuthorizationResponseError,
  OperationProcessingError,
  ResponseBodyError,
  UnsupportedOperationError,
} from "oauth4webapi";
import { describe, expect, it } from "vitest";
import { OAUTH_ERROR_KINDS, OAuthError } from "../../../src/connections/oauth/oauth-error.ts";
import {
  KIND_MESSAGES,
  PROVIDER_ERROR_KINDS,
  toOAuthError,
} from "../../../src/connections/oauth/to-oauth-error.ts";

function bodyError(error: string, status = 400): ResponseBodyError {
  return new ResponseBodyError("server responded with an error in the response body", {
    cause: { error, error_description: "free text with a token ya29.secret" },
    response: new Response(null, { status }),
  });
}

describe("PROVIDER_ERROR_KINDS", () => {
  for (const [code, kind] of Object.entries(PROVIDER_ERROR_KINDS)) {
    it(`maps token endpoint error ${code} to ${kind}`, () => {
      const error = toOAuthError(bodyError(code));
      expect(error).toMatchObject({ kind, providerError: code, message: `${KIND_MESSAGES[kind]} (${code})` });
      expect(error.message).not.toContain("ya29");
    });

    it(`maps authorization error ${code} to ${kind}`, () => {
      const cause = new URLSearchParams({ error: code, error_description: "free text" });
      expect(toOAuthError(new AuthorizationResponseError("x", { cause })).kind).toBe(kind);
    });
  }

  it("maps an unlisted code, and a code inherited from Object.prototype, to provider_error", () => {
    expect(toOAuthError(bodyError("invalid_scope")).kind).toBe("provider_error");
    expect(toOAuthError(bodyError("constructor")).kind).toBe("provider_error");
  });
});

describe("KIND_MESSAGES", () => {
  it("has a message for every kind", () => {
    expect(Object.keys(KIND_MESSAGES).sort()).toEqual([...OAUTH_ERROR_KINDS].sort());
  });
});

describe("toOAuthError", () => {
  it("returns an OAuthError unchanged", () => {
    const error = new OAuthError("invalid_state", "callback state does not match the flow");
    expect(toOAuthError(error)).toBe(error);
  });

  it("treats a 429 error body as transient, whatever its code", () => {
    expect(toOAuthError(bodyError("invalid_request", 429))).toMatchObject({ kind: "transient", status: 429 });
  });

  it("replaces an error code that is not a plain token", () => {
    expect(toOAuthError(bodyError("bad grant: see https://x")).providerError).toBe("unrecognized_error");
  });

  it("classifies a non-conform answer by its HTTP status", () => {
    const processing = (status: number) =>
      new OperationProcessingError("unexpected HTTP status code", { cause: new Response(null, { status }) });
    expect(toOAuthError(processing(502)).kind).toBe("transient");
    expect(toOAuthError(processing(401)).kind).toBe("invalid_client");
    expect(toOAuthError(processing(404))).toMatchObject({
      kind: "provider_error",
      message: "provider answered an error (HTTP 404)",
    });
  });

  it("classifies network failures, timeouts and aborts as transient and keeps the local cause", () => {
    const network = new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:9") });
    expect(toOAuthError(network)).toMatchObject({ kind: "transient", cause: network });
    expect(toOAuthError(new DOMException("timed out", "TimeoutError")).kind).toBe("transient");
    expect(toOAuthError(new DOMException("aborted", "AbortError")).kind).toBe("transient");
  });

  it("does not mistake an argument or URL error for a network failure", () => {
    const badUrl = Object.assign(new TypeError("Invalid URL"), { code: "ERR_INVALID_URL" });
    expect(toOAuthError(badUrl)).toMatchObject({
      kind: "provider_error",
      message: "OAuth request failed (ERR_INVALID_URL)",
    });
  });

  it("names only the class of an unsupported answer", () => {
    const error = toOAuthError(new UnsupportedOperationError("unsupported `token_type` value"));
    expect(error).toMatchObject({ kind: "provider_error" });
    expect(error.message).not.toContain("token_type");
  });

  it("keeps no provider answer as the cause, so logging the error cannot leak a token", () => {
    const leaky = new OperationProcessingError("bad token_type", {
      cause: { body: { access_token: "ya29.secret", token_type: "mac" } },
    });
    const error = toOAuthError(leaky);
    expect(error.cause).toBeUndefined();
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain("ya29");
  });
});
