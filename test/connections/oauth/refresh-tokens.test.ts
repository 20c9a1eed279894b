import { Events } from "oauth2-mock-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exchangeCode } from "../../../src/connections/oauth/exchange-code.ts";
import { OAuthError } from "../../../src/connections/oauth/oauth-error.ts";
import { refreshTokens } from "../../../src/connections/oauth/refresh-tokens.ts";
import type { TokenSet } from "../../../src/connections/oauth/token-set.ts";
import { createOutboundClient } from "../../../src/outbound/index.ts";
import {
  authorizedCode,
  basicCredentials,
  CLIENT,
  type MockProvider,
  REDIRECT_URI,
  recordingFetch,
  startMockProvider,
} from "./mock-provider.ts";

// The mock authorization server is on loopback, which the egress policy refuses unless allowed.
const outbound = createOutboundClient({ allow: ["127.0.0.1/32", "localhost"] });
let provider: MockProvider;
let initial: TokenSet;
beforeAll(async () => {
  provider = await startMockProvider();
  const settings = provider.settings();
  const { code, codeVerifier } = await authorizedCode(settings);
  initial = await exchangeCode({
    settings,
    ...CLIENT,
    redirectUri: REDIRECT_URI,
    code,
    codeVerifier,
    allowInsecure: true,
    fetch: outbound.guard.fetch,
  });
});
afterAll(async () => {
  await provider.stop();
  await outbound.close();
});

function refreshTokenOf(tokens: TokenSet): string {
  if (tokens.refreshToken === undefined) throw new Error("the provider granted no refresh token");
  return tokens.refreshToken;
}

const refresh = (extra: Partial<Parameters<typeof refreshTokens>[0]> = {}) =>
  refreshTokens({
    settings: provider.settings(),
    ...CLIENT,
    refreshToken: refreshTokenOf(initial),
    allowInsecure: true,
    fetch: outbound.guard.fetch,
    ...extra,
  });

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

async function failure(promise: Promise<unknown>): Promise<OAuthError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OAuthError);
  return error as OAuthError;
}

describe("refreshTokens", () => {
  it("gets a new access token and expiry with the refresh token, authenticating with HTTP Basic", async () => {
    const recorder = recordingFetch();
    const now = new Date("2032-01-01T00:00:00.000Z");
    provider.server.service.once(Events.BeforeTokenSigning, (token, req) => {
      token.payload.grant = req.body.grant_type;
    });
    const tokens = await refresh({ fetch: recorder.fetch, now: () => now });
    expect(claimsOf(tokens.accessToken).grant).toBe("refresh_token");
    expect(tokens.expiresAt).toEqual(new Date(now.getTime() + 3600_000));
    const [request] = recorder.requests;
    expect(recorder.requests).toHaveLength(1);
    expect(request?.url).toBe(`${provider.base}/token`);
    expect(Object.fromEntries(request?.body ?? [])).toEqual({
      grant_type: "refresh_token",
      refresh_token: initial.refreshToken,
    });
    expect(basicCredentials(request?.headers.get("authorization") ?? null)?.id).toBe(CLIENT.clientId);
  });

  it("takes the rotated refresh token when the provider issues a new one", async () => {
    const tokens = await refresh();
    expect(tokens.refreshToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(tokens.refreshToken).not.toBe(initial.refreshToken);
  });

  it("keeps the old refresh token when the provider does not rotate it", async () => {
    provider.server.service.once(Events.BeforeResponse, (response) => {
      if (typeof response.body === "object") delete response.body.refresh_token;
    });
    const tokens = await refresh();
    expect(tokens.refreshToken).toBe(initial.refreshToken);
  });

  it("keeps the scopes granted so far when the answer names none", async () => {
    provider.server.service.once(Events.BeforeResponse, (response) => {
      if (typeof response.body === "object") delete response.body.scope;
    });
    expect((await refresh({ scopes: ["read"] })).scopes).toEqual(["read"]);
  });

  it("classifies a dead refresh token as invalid_grant", async () => {
    provider.server.service.once(Events.BeforeResponse, (response) => {
      response.statusCode = 400;
      response.body = { error: "invalid_grant", error_description: "Token has been expired or revoked." };
    });
    const error = await failure(refresh());
    expect(error).toMatchObject({
      kind: "invalid_grant",
      message: "provider refused the grant (invalid_grant)",
    });
    expect(error.message).not.toContain("revoked");
  });

  it("classifies a 503 as transient", async () => {
    provider.server.service.once(Events.BeforeResponse, (response) => {
      response.statusCode = 503;
      response.body = "";
    });
    expect(await failure(refresh())).toMatchObject({ kind: "transient", status: 503 });
  });

  it("classifies temporarily_unavailable as transient", async () => {
    provider.server.service.once(Events.BeforeResponse, (response) => {
      response.statusCode = 400;
      response.body = { error: "temporarily_unavailable" };
    });
    expect(await failure(refresh())).toMatchObject({
      kind: "transient",
      providerError: "temporarily_unavailable",
    });
  });
});
