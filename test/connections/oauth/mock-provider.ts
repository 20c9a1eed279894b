import { OAuth2Server } from "oauth2-mock-server";
import { createAuthorizationRequest } from "../../../src/connections/oauth/create-authorization-request.ts";
import { hashState } from "../../../src/connections/oauth/hash-state.ts";
import { parseCallback } from "../../../src/connections/oauth/parse-callback.ts";
import type { OAuthSettings } from "../../../src/connectors/define/define-connector.ts";

/** Client credentials the tests register with; the mock provider accepts any. */
// The id is plain: the mock reads Basic credentials without the form-urlencoding RFC 6749 §2.3.1 adds
// (and oauth4webapi applies, even to "-"), then puts that id in the id_token `aud` oauth4webapi checks.
export const CLIENT = { clientId: "patchbaytest", clientSecret: "s3cret/with:odd&chars" };
/** Where the provider sends the browser back; nothing listens there, the redirect is not followed. */
export const REDIRECT_URI = "http://127.0.0.1:1/api/v1/connections/oauth/callback";

/** A real OAuth 2.0 server (oauth2-mock-server) on 127.0.0.1 and a port of its own. */
export interface MockProvider {
  server: OAuth2Server;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Settings of a connector for this provider, with `overrides` applied. */
  settings(overrides?: Partial<OAuthSettings>): OAuthSettings;
  stop(): Promise<void>;
}

/** Starts a provider with one RS256 key (it signs its access and id tokens). */
export async function startMockProvider(): Promise<MockProvider> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate("RS256");
  await server.start(0, "127.0.0.1");
  // The mock names itself `localhost`, which may resolve to ::1; keep every request on 127.0.0.1.
  const base = `http://127.0.0.1:${server.address().port}`;
  server.issuer.url = base;
  return {
    server,
    base,
    settings: (overrides = {}) => ({
      authorizeUrl: `${base}/authorize`,
      tokenUrl: `${base}/token`,
      revokeUrl: `${base}/revoke`,
      scopes: ["read", "write"],
      ...overrides,
    }),
    stop: () => server.stop(),
  };
}

/** Plays the user's browser at the authorize endpoint: returns the callback URL it redirects to. */
export async function followAuthorize(url: string): Promise<URL> {
  const response = await fetch(url, { redirect: "manual" });
  const location = response.headers.get("location");
  if (response.status !== 302 || location === null) {
    throw new Error(`authorize answered ${response.status} without a redirect`);
  }
  return new URL(location);
}

/** One request the code under test sent. */
export interface RecordedRequest {
  url: string;
  method: string;
  headers: Headers;
  body: URLSearchParams;
}

/** A `fetch` that records every request and then sends it for real. */
export function recordingFetch(): {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  requests: RecordedRequest[];
} {
  const requests: RecordedRequest[] = [];
  return {
    requests,
    fetch: (url, init) => {
      requests.push({
        url,
        method: init.method ?? "GET",
        headers: new Headers(init.headers),
        body: new URLSearchParams(init.body instanceof URLSearchParams ? init.body : undefined),
      });
      return fetch(url, init);
    },
  };
}

/** Decodes an HTTP Basic `authorization` header into its two (form-urlencoded, RFC 6749 §2.3.1) parts. */
export function basicCredentials(header: string | null): { id: string; secret: string } | undefined {
  const match = /^Basic (.+)$/.exec(header ?? "");
  if (match?.[1] === undefined) return undefined;
  const [id = "", secret = ""] = Buffer.from(match[1], "base64").toString("utf8").split(":");
  return { id: decodeURIComponent(id), secret: decodeURIComponent(secret) };
}

/** Runs the browser half of the flow: authorization request, provider redirect, callback validation. */
export async function authorizedCode(
  settings: OAuthSettings,
): Promise<{ code: string; codeVerifier: string }> {
  const request = await createAuthorizationRequest({
    settings,
    clientId: CLIENT.clientId,
    redirectUri: REDIRECT_URI,
    selectAccount: false,
    allowInsecure: true,
  });
  const callback = await followAuthorize(request.url);
  const { code } = parseCallback({ settings, params: callback, stateHash: hashState(request.state) });
  return { code, codeVerifier: request.codeVerifier };
}
