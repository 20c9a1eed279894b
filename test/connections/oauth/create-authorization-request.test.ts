import { createHash } from "node:crypto";
import { Events } from "oauth2-mock-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthorizationRequest } from "../../../src/connections/oauth/create-authorization-request.ts";
import { OAuthError } from "../../../src/connections/oauth/oauth-error.ts";
import type { OAuthSettings } from "../../../src/connectors/define/define-connector.ts";
import { followAuthorize, type MockProvider, startMockProvider } from "./mock-provider.ts";

const settings: OAuthSettings = {
  authorizeUrl: "https://provider.example/oauth/authorize",
  tokenUrl: "https://provider.example/oauth/token",
  scopes: ["repo", "read:user"],
};
const base = {
  settings,
  clientId: "client-1",
  redirectUri: "https://patchbay.example/api/v1/connections/oauth/callback",
  selectAccount: false,
};

const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

describe("createAuthorizationRequest", () => {
  it("asks for a code with PKCE S256, the state, the scopes, the client and the redirect URI", async () => {
    const request = await createAuthorizationRequest(base);
    const url = new URL(request.url);
    expect(`${url.origin}${url.pathname}`).toBe(settings.authorizeUrl);
    expect(url.searchParams.get("response_type")).toBe("code");
    expect(url.searchParams.get("client_id")).toBe("client-1");
    expect(url.searchParams.get("redirect_uri")).toBe(base.redirectUri);
    expect(url.searchParams.get("scope")).toBe("repo read:user");
    expect(url.searchParams.get("state")).toBe(request.state);
    expect(url.searchParams.get("code_challenge")).toBe(s256(request.codeVerifier));
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.has("prompt")).toBe(false);
  });

  it("makes a fresh 32-byte base64url state and a fresh RFC 7636 verifier for every request", async () => {
    const a = await createAuthorizationRequest(base);
    const b = await createAuthorizationRequest(base);
    expect(a.state).not.toBe(b.state);
    expect(a.codeVerifier).not.toBe(b.codeVerifier);
    expect(a.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.state, "base64url")).toHaveLength(32);
    expect(a.codeVerifier).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
  });

  it("uses a given state and verifier", async () => {
    const verifier = "v".repeat(50);
    const request = await createAuthorizationRequest({
      ...base,
      state: "fixed-state",
      codeVerifier: verifier,
    });
    const url = new URL(request.url);
    expect(request).toMatchObject({ state: "fixed-state", codeVerifier: verifier });
    expect(url.searchParams.get("state")).toBe("fixed-state");
    expect(url.searchParams.get("code_challenge")).toBe(s256(verifier));
  });

  it("adds prompt=select_account only when the account picker is asked for", async () => {
    const picked = new URL((await createAuthorizationRequest({ ...base, selectAccount: true })).url);
    expect(picked.searchParams.get("prompt")).toBe("select_account");
  });

  it("uses the connector's own account-picker parameters instead of the default", async () => {
    const request = await createAuthorizationRequest({
      ...base,
      settings: { ...settings, selectAccountParams: { prompt: "login", max_age: "0" } },
      selectAccount: true,
    });
    const url = new URL(request.url);
    expect(url.searchParams.get("prompt")).toBe("login");
    expect(url.searchParams.get("max_age")).toBe("0");
    const unpicked = new URL(
      (
        await createAuthorizationRequest({
          ...base,
          settings: { ...settings, selectAccountParams: { prompt: "login" } },
        })
      ).url,
    );
    expect(unpicked.searchParams.has("prompt")).toBe(false);
  });

  it("adds the connector's extra parameters, which the account picker overrides", async () => {
    const request = await createAuthorizationRequest({
      ...base,
      settings: { ...settings, extraAuthorizeParams: { access_type: "offline", prompt: "consent" } },
      selectAccount: true,
    });
    const url = new URL(request.url);
    expect(url.searchParams.get("access_type")).toBe("offline");
    expect(url.searchParams.getAll("prompt")).toEqual(["select_account"]);
  });

  it("does not let a connector override a protocol parameter", async () => {
    const request = await createAuthorizationRequest({
      ...base,
      settings: {
        ...settings,
        extraAuthorizeParams: { response_type: "token", state: "evil", code_challenge_method: "plain" },
      },
    });
    const url = new URL(request.url);
    expect(url.searchParams.getAll("response_type")).toEqual(["code"]);
    expect(url.searchParams.getAll("state")).toEqual([request.state]);
    expect(url.searchParams.getAll("code_challenge_method")).toEqual(["S256"]);
  });

  it("keeps a query the authorize URL already has", async () => {
    const request = await createAuthorizationRequest({
      ...base,
      settings: { ...settings, authorizeUrl: "https://provider.example/authorize?tenant=acme" },
    });
    expect(new URL(request.url).searchParams.get("tenant")).toBe("acme");
  });

  it("sends no scope parameter when the connector asks for none", async () => {
    const request = await createAuthorizationRequest({ ...base, settings: { ...settings, scopes: [] } });
    expect(new URL(request.url).searchParams.has("scope")).toBe(false);
  });

  it("refuses an http authorize URL unless insecure endpoints are allowed", async () => {
    const plain = { ...settings, authorizeUrl: "http://127.0.0.1:9/authorize" };
    const refused = createAuthorizationRequest({ ...base, settings: plain });
    await expect(refused).rejects.toBeInstanceOf(OAuthError);
    await expect(refused).rejects.toMatchObject({
      kind: "provider_error",
      message: "provider endpoint must use https",
    });
    const allowed = await createAuthorizationRequest({ ...base, settings: plain, allowInsecure: true });
    expect(allowed.url.startsWith("http://127.0.0.1:9/authorize?")).toBe(true);
  });
});

describe("createAuthorizationRequest against a real provider", () => {
  let provider: MockProvider;
  beforeAll(async () => {
    provider = await startMockProvider();
  });
  afterAll(async () => {
    await provider.stop();
  });

  it("carries select_account to the provider, which redirects back with a code and the state", async () => {
    const seen: URLSearchParams[] = [];
    provider.server.service.once(Events.BeforeAuthorizeRedirect, (_redirect, req) => {
      seen.push(new URL(req.url ?? "/", provider.base).searchParams);
    });
    const request = await createAuthorizationRequest({
      ...base,
      settings: provider.settings(),
      redirectUri: "http://127.0.0.1:1/callback",
      selectAccount: true,
      allowInsecure: true,
    });
    const callback = await followAuthorize(request.url);
    expect(seen[0]?.get("prompt")).toBe("select_account");
    expect(seen[0]?.get("code_challenge")).toBe(s256(request.codeVerifier));
    expect(`${callback.origin}${callback.pathname}`).toBe("http://127.0.0.1:1/callback");
    expect(callback.searchParams.get("state")).toBe(request.state);
    expect(callback.searchParams.get("code")).toMatch(/.+/);
  });
});
