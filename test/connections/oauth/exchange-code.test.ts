import { createServer } from "node:net";
import { Events } from "oauth2-mock-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exchangeCode } from "../../../src/connections/oauth/exchange-code.ts";
import { OAuthError } from "../../../src/connections/oauth/oauth-error.ts";
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
beforeAll(async () => {
  provider = await startMockProvider();
});
afterAll(async () => {
  await provider.stop();
  await outbound.close();
});

const NOW = new Date("2031-05-06T07:08:09.000Z");

/** Runs the browser half, then redeems the code with `extra` options. */
async function exchange(extra: Partial<Parameters<typeof exchangeCode>[0]> = {}) {
  const settings = extra.settings ?? provider.settings();
  const { code, codeVerifier } = await authorizedCode(settings);
  return exchangeCode({
    settings,
    ...CLIENT,
    redirectUri: REDIRECT_URI,
    code,
    codeVerifier,
    allowInsecure: true,
    now: () => NOW,
    fetch: outbound.guard.fetch,
    ...extra,
  });
}

/** Resolves to the OAuthError `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<OAuthError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OAuthError);
  return error as OAuthError;
}

describe("exchangeCode", () => {
  it("redeems the code for an access token, a refresh token and an expiry", async () => {
    const tokens = await exchange();
    expect(tokens.accessToken.split(".")).toHaveLength(3);
    expect(tokens.refreshToken).toMatch(/^[0-9a-f-]{36}$/);
    // The mock grants for one hour.
    expect(tokens.expiresAt).toEqual(new Date(NOW.getTime() + 3600_000));
    expect(tokens.tokenType).toBe("bearer");
  });

  it("sends the code, the PKCE verifier and the redirect URI, authenticating with HTTP Basic", async () => {
    const recorder = recordingFetch();
    const settings = provider.settings();
    const { code, codeVerifier } = await authorizedCode(settings);
    await exchangeCode({
      settings,
      ...CLIENT,
      redirectUri: REDIRECT_URI,
      code,
      codeVerifier,
      allowInsecure: true,
      fetch: recorder.fetch,
    });
    expect(recorder.requests).toHaveLength(1);
    const [request] = recorder.requests;
    expect(request?.url).toBe(`${provider.base}/token`);
    expect(request?.method).toBe("POST");
    expect(Object.fromEntries(request?.body ?? [])).toEqual({
      grant_type: "authorization_code",
      code,
      code_verifier: codeVerifier,
      redirect_uri: REDIRECT_URI,
    });
    expect(basicCredentials(request?.headers.get("authorization") ?? null)).toEqual({
      id: CLIENT.clientId,
      secret: CLIENT.clientSecret,
    });
  });

  it("sends the client credentials in the body when the connector asks for client_secret_post", async () => {
    const recorder = recordingFetch();
    await exchange({
      settings: provider.settings({ tokenAuthMethod: "client_secret_post" }),
      fetch: recorder.fetch,
    });
    const [request] = recorder.requests;
    expect(request?.headers.has("authorization")).toBe(false);
    expect(request?.body.get("client_id")).toBe(CLIENT.clientId);
    expect(request?.body.get("client_secret")).toBe(CLIENT.clientSecret);
  });

  it("is refused by the provider when the verifier is not the one the challenge was made from", async () => {
    const settings = provider.settings();
    const { code } = await authorizedCode(settings);
    const error = await failure(
      exchangeCode({
        settings,
        ...CLIENT,
        redirectUri: REDIRECT_URI,
        code,
        codeVerifier: "x".repeat(43),
        allowInsecure: true,
        fetch: outbound.guard.fetch,
      }),
    );
    // The mock answers a PKCE mismatch with 400 and a problem+json body, not an OAuth error body.
    expect(error).toMatchObject({ kind: "provider_error", status: 400 });
  });

  it("takes the granted scopes from the answer, and the requested ones when the answer has none", async () => {
    provider.server.service.once(Events.BeforeResponse, (response) => {
      if (typeof response.body === "object") response.body.scope = "read";
    });
    expect((await exchange()).scopes).toEqual(["read"]);
    provider.server.service.once(Events.BeforeResponse, (response) => {
      if (typeof response.body === "object") delete response.body.scope;
    });
    expect((await exchange()).scopes).toEqual(["read", "write"]);
  });

  it("leaves out what the provider does not grant: refresh token and expiry", async () => {
    provider.server.service.once(Events.BeforeResponse, (response) => {
      if (typeof response.body === "object") {
        delete response.body.refresh_token;
        delete response.body.expires_in;
      }
    });
    const tokens = await exchange();
    expect(tokens).not.toHaveProperty("refreshToken");
    expect(tokens).not.toHaveProperty("expiresAt");
  });

  it("classifies invalid_grant without repeating the provider's description", async () => {
    provider.server.service.once(Events.BeforeResponse, (response) => {
      response.statusCode = 400;
      response.body = { error: "invalid_grant", error_description: "code was already redeemed by <Alice>" };
    });
    const error = await failure(exchange());
    expect(error.kind).toBe("invalid_grant");
    expect(error.message).toBe("provider refused the grant (invalid_grant)");
    expect(error.providerError).toBe("invalid_grant");
    expect(error.status).toBe(400);
    expect(error.cause).toBeUndefined();
  });

  it("classifies a 200 answer carrying an error code (GitHub's style) by that code", async () => {
    provider.server.service.once(Events.BeforeResponse, (response) => {
      response.body = { error: "bad_verification_code", error_description: "The code passed is incorrect." };
    });
    expect(await failure(exchange())).toMatchObject({
      kind: "invalid_grant",
      providerError: "bad_verification_code",
    });
  });

  it("classifies invalid_client, and a bare 401", async () => {
    provider.server.service.once(Events.BeforeResponse, (response) => {
      response.statusCode = 401;
      response.body = { error: "invalid_client" };
    });
    expect(await failure(exchange())).toMatchObject({
      kind: "invalid_client",
      message: "provider refused the client credentials (invalid_client)",
    });
    provider.server.service.once(Events.BeforeResponse, (response) => {
      response.statusCode = 401;
      response.body = "";
    });
    expect(await failure(exchange())).toMatchObject({ kind: "invalid_client", status: 401 });
  });

  it("classifies any other provider error code as provider_error", async () => {
    provider.server.service.once(Events.BeforeResponse, (response) => {
      response.statusCode = 400;
      response.body = { error: "invalid_scope" };
    });
    expect(await failure(exchange())).toMatchObject({
      kind: "provider_error",
      message: "provider answered an error (invalid_scope)",
    });
  });

  it("classifies 503 and 429 from the token endpoint as transient", async () => {
    provider.server.service.once(Events.BeforeResponse, (response) => {
      response.statusCode = 503;
      response.body = { message: "maintenance" };
    });
    expect(await failure(exchange())).toMatchObject({
      kind: "transient",
      status: 503,
      message: "provider is temporarily unavailable (HTTP 503)",
    });
    provider.server.service.once(Events.BeforeResponse, (response) => {
      response.statusCode = 429;
      response.body = { error: "rate_limited" };
    });
    expect(await failure(exchange())).toMatchObject({ kind: "transient", status: 429 });
  });

  it("classifies a refused connection as transient", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const address = closed.address();
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    if (address === null || typeof address === "string") throw new Error("no port");
    const settings = provider.settings({ tokenUrl: `http://127.0.0.1:${address.port}/token` });
    const error = await failure(
      exchangeCode({
        settings,
        ...CLIENT,
        redirectUri: REDIRECT_URI,
        code: "c",
        codeVerifier: "v",
        allowInsecure: true,
        fetch: outbound.guard.fetch,
      }),
    );
    expect(error).toMatchObject({ kind: "transient", message: "provider unreachable (network error)" });
  });

  it("classifies a timeout as transient", async () => {
    const hang = (_url: string, init: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      });
    const error = await failure(
      exchangeCode({
        settings: provider.settings(),
        ...CLIENT,
        redirectUri: REDIRECT_URI,
        code: "c",
        codeVerifier: "v",
        allowInsecure: true,
        fetch: hang,
        signal: AbortSignal.timeout(20),
      }),
    );
    expect(error).toMatchObject({ kind: "transient", message: "provider timed out" });
  });

  it("refuses an http token endpoint without sending anything unless insecure endpoints are allowed", async () => {
    const recorder = recordingFetch();
    const error = await failure(
      exchangeCode({
        settings: provider.settings(),
        ...CLIENT,
        redirectUri: REDIRECT_URI,
        code: "c",
        codeVerifier: "v",
        fetch: recorder.fetch,
      }),
    );
    expect(error).toMatchObject({ kind: "provider_error", message: "provider endpoint must use https" });
    expect(recorder.requests).toHaveLength(0);
  });

  it("refuses a token endpoint the egress policy refuses, without connecting to it", async () => {
    let requests = 0;
    provider.server.service.on(Events.BeforeTokenSigning, () => {
      requests++;
    });
    const strict = createOutboundClient({ allow: [] });
    try {
      const error = await failure(exchange({ fetch: strict.guard.fetch }));
      expect(error).toMatchObject({
        kind: "provider_error",
        message:
          "provider endpoint refused by the egress policy (EGRESS_REFUSED); PATCHBAY_EGRESS_ALLOW can allow it",
      });
      expect(requests).toBe(0);
    } finally {
      await strict.close();
    }
  });
});
