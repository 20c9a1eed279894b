import { Events } from "oauth2-mock-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthorizationRequest } from "../../../src/connections/oauth/create-authorization-request.ts";
import { hashState } from "../../../src/connections/oauth/hash-state.ts";
import { OAuthError } from "../../../src/connections/oauth/oauth-error.ts";
import { parseCallback } from "../../../src/connections/oauth/parse-callback.ts";
import type { OAuthSettings } from "../../../src/connectors/define/define-connector.ts";
import {
  CLIENT,
  followAuthorize,
  type MockProvider,
  REDIRECT_URI,
  startMockProvider,
} from "./mock-provider.ts";

const settings: OAuthSettings = {
  authorizeUrl: "https://provider.example/authorize",
  tokenUrl: "https://api.provider.example/token",
  scopes: [],
};
const STATE = "s".repeat(43);
const stateHash = hashState(STATE);

function refusal(run: () => unknown): OAuthError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    return error as OAuthError;
  }
  throw new Error("expected parseCallback to throw");
}

describe("parseCallback", () => {
  it("returns the code when the state is the flow's", () => {
    const params = new URLSearchParams({ code: "abc", state: STATE });
    expect(parseCallback({ settings, params, stateHash })).toEqual({ code: "abc" });
    const url = new URL(`https://patchbay.example/cb?code=xyz&state=${STATE}`);
    expect(parseCallback({ settings, params: url, stateHash })).toEqual({ code: "xyz" });
  });

  it("refuses a foreign state and a missing one as invalid_state", () => {
    for (const params of [
      new URLSearchParams({ code: "abc", state: "other" }),
      new URLSearchParams({ code: "abc" }),
      new URLSearchParams({ code: "abc", state: "" }),
    ]) {
      expect(refusal(() => parseCallback({ settings, params, stateHash }))).toMatchObject({
        kind: "invalid_state",
        message: "callback state does not match the flow",
      });
    }
  });

  it("checks the state before reporting a provider error", () => {
    const params = new URLSearchParams({ error: "access_denied", state: "other" });
    expect(refusal(() => parseCallback({ settings, params, stateHash })).kind).toBe("invalid_state");
  });

  it("turns error=access_denied into access_denied without the provider's description", () => {
    const params = new URLSearchParams({
      error: "access_denied",
      error_description: "The user <b>declined</b>",
      state: STATE,
    });
    const error = refusal(() => parseCallback({ settings, params, stateHash }));
    expect(error).toMatchObject({
      kind: "access_denied",
      providerError: "access_denied",
      message: "access was denied at the provider (access_denied)",
    });
    expect(error.message).not.toContain("declined");
  });

  it("turns temporarily_unavailable into transient and unknown codes into provider_error", () => {
    const busy = new URLSearchParams({ error: "temporarily_unavailable", state: STATE });
    expect(refusal(() => parseCallback({ settings, params: busy, stateHash })).kind).toBe("transient");
    const odd = new URLSearchParams({ error: "invalid_scope", state: STATE });
    expect(refusal(() => parseCallback({ settings, params: odd, stateHash })).kind).toBe("provider_error");
  });

  it("does not echo an error code that looks like free text", () => {
    const params = new URLSearchParams({ error: "<script>alert(1)</script>", state: STATE });
    expect(refusal(() => parseCallback({ settings, params, stateHash })).message).toBe(
      "provider answered an error (unrecognized_error)",
    );
  });

  it("refuses a callback without a code", () => {
    const params = new URLSearchParams({ state: STATE });
    expect(refusal(() => parseCallback({ settings, params, stateHash }))).toMatchObject({
      kind: "provider_error",
      message: "callback carries no code (missing_code)",
    });
  });

  it("ignores an iss parameter when the connector declares no issuer", () => {
    const params = new URLSearchParams({ code: "abc", state: STATE, iss: "https://elsewhere.example" });
    expect(parseCallback({ settings, params, stateHash })).toEqual({ code: "abc" });
  });

  it("checks iss against the issuer the connector declares (RFC 9207)", () => {
    const declared = { ...settings, issuer: "https://provider.example" };
    const good = new URLSearchParams({ code: "abc", state: STATE, iss: "https://provider.example" });
    expect(parseCallback({ settings: declared, params: good, stateHash })).toEqual({ code: "abc" });
    const mixedUp = new URLSearchParams({ code: "abc", state: STATE, iss: "https://attacker.example" });
    expect(refusal(() => parseCallback({ settings: declared, params: mixedUp, stateHash })).kind).toBe(
      "provider_error",
    );
  });

  it("refuses implicit-flow tokens in the callback", () => {
    const params = new URLSearchParams({ code: "abc", state: STATE, access_token: "x", token: "y" });
    expect(refusal(() => parseCallback({ settings, params, stateHash })).kind).toBe("provider_error");
  });
});

describe("parseCallback against a real provider", () => {
  let provider: MockProvider;
  beforeAll(async () => {
    provider = await startMockProvider();
  });
  afterAll(async () => {
    await provider.stop();
  });

  async function callback(): Promise<{ url: URL; state: string }> {
    const request = await createAuthorizationRequest({
      settings: provider.settings(),
      clientId: CLIENT.clientId,
      redirectUri: REDIRECT_URI,
      selectAccount: false,
      allowInsecure: true,
    });
    return { url: await followAuthorize(request.url), state: request.state };
  }

  it("accepts the provider's redirect for this flow and refuses it for another flow", async () => {
    const { url, state } = await callback();
    const { code } = parseCallback({
      settings: provider.settings(),
      params: url,
      stateHash: hashState(state),
    });
    expect(code).toBe(url.searchParams.get("code"));
    const other = await createAuthorizationRequest({
      settings: provider.settings(),
      clientId: CLIENT.clientId,
      redirectUri: REDIRECT_URI,
      selectAccount: false,
      allowInsecure: true,
    });
    expect(
      refusal(() =>
        parseCallback({ settings: provider.settings(), params: url, stateHash: hashState(other.state) }),
      ).kind,
    ).toBe("invalid_state");
  });

  it("reports access_denied when the provider redirects with it", async () => {
    provider.server.service.once(Events.BeforeAuthorizeRedirect, (redirect) => {
      redirect.url.searchParams.delete("code");
      redirect.url.searchParams.set("error", "access_denied");
    });
    const { url, state } = await callback();
    expect(
      refusal(() =>
        parseCallback({ settings: provider.settings(), params: url, stateHash: hashState(state) }),
      ).kind,
    ).toBe("access_denied");
  });
});
