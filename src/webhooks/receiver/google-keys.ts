import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import type { OutboundClient } from "../../outbound/index.ts";

/** Keys are kept this long; an unknown key id refetches sooner, at most once a minute. */
const KEEP_MS = 3_600_000;
const REFETCH_MS = 60_000;

/**
 * Google's token-signing keys for Pub/Sub push (Gmail) verification, fetched from `jwksUrl` through the
 * server's outbound client (so its egress policy applies) and cached; a token signed with a key id not in the set
 * refetches it (Google rotates keys), at most once a minute.
 */
export function createGoogleKeys(
  jwksUrl: string,
  outbound: OutboundClient,
  now: () => number = Date.now,
): JWTVerifyGetKey {
  let keys: JWTVerifyGetKey | undefined;
  let kids = new Set<string>();
  let fetchedAt = 0;
  let fetching: Promise<void> | undefined;

  async function refresh(): Promise<void> {
    const response = await outbound.request(jwksUrl, { method: "GET" });
    const body = typeof response.body === "string" ? (JSON.parse(response.body) as unknown) : response.body;
    if (response.status !== 200 || typeof body !== "object" || body === null || !("keys" in body)) {
      throw new Error("the JWKS endpoint did not answer a key set");
    }
    const set = body as JSONWebKeySet;
    keys = createLocalJWKSet(set);
    kids = new Set(set.keys.map((key) => String(key.kid ?? "")));
    fetchedAt = now();
  }

  function load(): Promise<void> {
    fetching ??= refresh().finally(() => {
      fetching = undefined;
    });
    return fetching;
  }

  return async (header, token) => {
    const age = now() - fetchedAt;
    const unknownKid = header.kid !== undefined && !kids.has(header.kid) && age > REFETCH_MS;
    if (keys === undefined || age > KEEP_MS || unknownKid) await load();
    if (keys === undefined) throw new Error("no key set");
    return keys(header, token);
  };
}
