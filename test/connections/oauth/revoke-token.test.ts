import { Events } from "oauth2-mock-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OAuthError } from "../../../src/connections/oauth/oauth-error.ts";
import { revokeToken } from "../../../src/connections/oauth/revoke-token.ts";
import { createOutboundClient } from "../../../src/outbound/index.ts";
import {
  basicCredentials,
  CLIENT,
  type MockProvider,
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

describe("revokeToken", () => {
  it("posts the token and its type hint to the revocation endpoint with the client's credentials", async () => {
    const recorder = recordingFetch();
    const seen: string[] = [];
    provider.server.service.once(Events.BeforeRevoke, (_response, req) => {
      seen.push(`${req.method} ${req.url}`);
    });
    const revoked = await revokeToken({
      settings: provider.settings(),
      ...CLIENT,
      token: "refresh-token-1",
      tokenTypeHint: "refresh_token",
      allowInsecure: true,
      fetch: recorder.fetch,
    });
    expect(revoked).toBe(true);
    expect(seen).toEqual(["POST /revoke"]);
    const [request] = recorder.requests;
    expect(request?.url).toBe(`${provider.base}/revoke`);
    expect(Object.fromEntries(request?.body ?? [])).toEqual({
      token: "refresh-token-1",
      token_type_hint: "refresh_token",
    });
    expect(basicCredentials(request?.headers.get("authorization") ?? null)).toEqual({
      id: CLIENT.clientId,
      secret: CLIENT.clientSecret,
    });
  });

  it("sends no hint when none is given", async () => {
    const recorder = recordingFetch();
    await revokeToken({
      settings: provider.settings(),
      ...CLIENT,
      token: "t",
      allowInsecure: true,
      fetch: recorder.fetch,
    });
    expect(recorder.requests[0]?.body.has("token_type_hint")).toBe(false);
  });

  it("does nothing when the connector has no revocation endpoint", async () => {
    const recorder = recordingFetch();
    const { revokeUrl: _none, ...settings } = provider.settings();
    const revoked = await revokeToken({
      settings,
      ...CLIENT,
      token: "t",
      allowInsecure: true,
      fetch: recorder.fetch,
    });
    expect(revoked).toBe(false);
    expect(recorder.requests).toHaveLength(0);
  });

  it("classifies a 503 from the revocation endpoint as transient", async () => {
    provider.server.service.once(Events.BeforeRevoke, (response) => {
      response.statusCode = 503;
    });
    const error = await revokeToken({
      settings: provider.settings(),
      ...CLIENT,
      token: "t",
      allowInsecure: true,
      fetch: outbound.guard.fetch,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ kind: "transient", status: 503 });
  });
});
