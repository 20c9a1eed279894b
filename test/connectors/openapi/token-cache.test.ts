import { describe, expect, it } from "vitest";
import type { ClientCredentialsGrant } from "../../../src/connectors/openapi/request-client-credentials-token.ts";
import {
  createTokenCache,
  MAX_LIFETIME_MS,
  MAX_TOKENS,
  type TokenOutcome,
} from "../../../src/connectors/openapi/token-cache.ts";

/** A token endpoint that never leaves the process: it counts requests and issues `t<n>`. */
function stubEndpoint(extra: Record<string, unknown> = {}) {
  const endpoint = {
    requests: 0,
    fetch: (): Promise<Response> => {
      endpoint.requests++;
      return Promise.resolve(
        Response.json({ access_token: `t${endpoint.requests}`, token_type: "bearer", ...extra }),
      );
    },
  };
  return endpoint;
}

function grant(clientId = "c", scopes: string[] = []): ClientCredentialsGrant {
  return { tokenUrl: "https://auth.example.com/token", clientId, clientSecret: "s", scopes };
}

function tokenOf(outcome: TokenOutcome): string {
  if (!outcome.ok) throw new Error(outcome.result.error);
  return outcome.token;
}

describe("createTokenCache", () => {
  it(`keeps at most ${MAX_TOKENS} tokens, dropping the oldest`, async () => {
    const endpoint = stubEndpoint();
    const cache = createTokenCache();
    const request = { fetch: endpoint.fetch, timeoutMs: 1000, signal: new AbortController().signal };
    for (let i = 0; i <= MAX_TOKENS; i++) await cache.get(grant(`client-${i}`), request);
    expect(endpoint.requests).toBe(MAX_TOKENS + 1);
    expect(tokenOf(await cache.get(grant(`client-${MAX_TOKENS}`), request))).toBe(`t${MAX_TOKENS + 1}`);
    expect(tokenOf(await cache.get(grant("client-1"), request))).toBe("t2");
    expect(endpoint.requests).toBe(MAX_TOKENS + 1);
    await cache.get(grant("client-0"), request);
    expect(endpoint.requests).toBe(MAX_TOKENS + 2);
  });

  it("does not keep a token that expires within the 30 s margin", async () => {
    const endpoint = stubEndpoint({ expires_in: 30 });
    const cache = createTokenCache({ now: () => 0 });
    const request = { fetch: endpoint.fetch, timeoutMs: 1000, signal: new AbortController().signal };
    expect(tokenOf(await cache.get(grant(), request))).toBe("t1");
    expect(tokenOf(await cache.get(grant(), request))).toBe("t2");
  });

  it("keeps a token 24 h at most, however long expires_in says it lives", async () => {
    const endpoint = stubEndpoint({ expires_in: 10 * 365 * 24 * 3600 });
    let clock = 0;
    const cache = createTokenCache({ now: () => clock });
    const request = { fetch: endpoint.fetch, timeoutMs: 1000, signal: new AbortController().signal };
    expect(tokenOf(await cache.get(grant(), request))).toBe("t1");
    clock = MAX_LIFETIME_MS - 1;
    expect(tokenOf(await cache.get(grant(), request))).toBe("t1");
    clock = MAX_LIFETIME_MS;
    expect(tokenOf(await cache.get(grant(), request))).toBe("t2");
    expect(MAX_LIFETIME_MS).toBe(24 * 60 * 60_000);
  });

  it("treats the scopes as a set for the key", async () => {
    const endpoint = stubEndpoint();
    const cache = createTokenCache();
    const request = { fetch: endpoint.fetch, timeoutMs: 1000, signal: new AbortController().signal };
    await cache.get(grant("c", ["b", "a"]), request);
    await cache.get(grant("c", ["a", "b"]), request);
    expect(endpoint.requests).toBe(1);
  });

  it("forgets a refused token only while it is still the cached one", async () => {
    const endpoint = stubEndpoint();
    const cache = createTokenCache();
    const request = { fetch: endpoint.fetch, timeoutMs: 1000, signal: new AbortController().signal };
    const first = await cache.get(grant(), request);
    if (!first.ok) throw new Error("no token");
    cache.forget(first);
    const second = await cache.get(grant(), request);
    expect(tokenOf(second)).toBe("t2");
    cache.forget(first);
    expect(tokenOf(await cache.get(grant(), request))).toBe("t2");
  });

  it("rethrows an abort that came before the call", async () => {
    const cache = createTokenCache();
    const signal = AbortSignal.abort(new Error("stopped"));
    await expect(
      cache.get(grant(), { fetch: stubEndpoint().fetch, timeoutMs: 1000, signal }),
    ).rejects.toThrow("stopped");
  });
});
