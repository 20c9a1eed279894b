import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OAuthError } from "../../../src/connections/oauth/oauth-error.ts";
import { refreshTokens } from "../../../src/connections/oauth/refresh-tokens.ts";
import { createOutboundClient } from "../../../src/outbound/index.ts";
import { type FloodServer, rssGrowthDuring, startFloodServer } from "../../support/flood-server.ts";

// OAuth connections ask the provider's token endpoint through the same egress guard as the OpenAPI
// client-credentials grant. A connector's token URL that answers 200 MiB must fail the refresh as an
// OAuthError, with the answer unread and the connection cut. Only loopback traffic.

const MIB = 1024 * 1024;
const BODY = 200 * MIB;
const TOKEN_HEAD = '{"access_token":"t","token_type":"bearer","refresh_token":"r"';

const outbound = createOutboundClient({ allow: ["127.0.0.1/32"] });
let provider: FloodServer;

beforeAll(async () => {
  provider = await startFloodServer((req, res, flood) => {
    const json = { "content-type": "application/json" };
    if (req.url === "/declared") {
      res.writeHead(200, { ...json, "content-length": String(BODY + TOKEN_HEAD.length + 1) });
    } else {
      res.writeHead(200, json);
    }
    flood(res, BODY, TOKEN_HEAD, "}");
  });
});
afterAll(async () => {
  await outbound.close();
  await provider.close();
});

const settings = (path: string) => ({
  authorizeUrl: `${provider.origin}/authorize`,
  tokenUrl: `${provider.origin}${path}`,
  scopes: [],
});

describe("an OAuth token endpoint that answers 200 MiB", () => {
  it.each([
    ["/streamed", "provider answer too large (TOO_LARGE)"],
    ["/declared", "provider answer too large (TOO_LARGE)"],
  ])("fails a refresh at %s as a provider_error without reading the answer", async (path, message) => {
    const writtenBefore = provider.written();
    const { result, growth } = await rssGrowthDuring(() =>
      refreshTokens({
        settings: settings(path),
        clientId: "a",
        clientSecret: "b",
        refreshToken: "r",
        allowInsecure: true,
        fetch: outbound.guard.fetch,
      }).then(
        () => undefined,
        (error: unknown) => error,
      ),
    );
    expect(result).toBeInstanceOf(OAuthError);
    expect(result).toMatchObject({ kind: "provider_error", message });
    expect(growth).toBeLessThan(64 * MIB);
    const request = provider.requests.at(-1);
    expect(request?.path).toBe(path);
    await request?.closed;
    expect(provider.written() - writtenBefore).toBeLessThan(64 * MIB);
  });
});
