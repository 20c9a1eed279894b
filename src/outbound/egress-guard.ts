import type { LookupFunction } from "node:net";
import { Agent, fetch as undiciFetch } from "undici";
import { cappedResponse } from "./capped-response.ts";
import type { EgressPolicy } from "./egress-policy.ts";
import { OutboundError } from "./outbound-error.ts";
import { createPinnedLookup, type ResolveHost } from "./pinned-lookup.ts";

/**
 * What the guard's `fetch` reads of an answer by default. Its callers that do not ask for more read
 * OAuth token endpoints (RFC 6749 §5.1 JSON: an access token, a refresh token, an OIDC id_token, each a
 * few KiB even as a JWT with group claims) and revocation endpoints (an empty answer); 256 KiB is tens of
 * times that, and small enough that a tenant's token URL pointing at a server of its own cannot make
 * this process hold much for it.
 */
export const GUARD_MAX_RESPONSE_BYTES = 256 * 1024;

/**
 * The egress policy for clients Patchbay does not build itself (the gRPC and Connect transports of
 * external connectors): a pre-connect check for what skips DNS, a socket `lookup` that resolves once
 * and connects only to checked addresses, and a `fetch` bound to that lookup.
 */
export interface EgressGuard {
  /** Throws `OutboundError` (EGRESS_REFUSED or BAD_URL) for a URL whose host is refused before DNS. */
  checkUrl(url: string): void;
  /** The `lookup` for `net`/`tls`/`http2` connections. */
  readonly lookup: LookupFunction;
  /**
   * `fetch` under the policy: the URL is checked first (an IP literal skips DNS, so {@link lookup} alone
   * would not see it), connections go through {@link lookup}, and the answer is a global `Response` (as
   * libraries that check `instanceof Response`, like oauth4webapi, expect). Redirects are the caller's to
   * refuse. The answer body is capped (decoded, after gzip, deflate, br or zstd): a `content-length` over
   * the cap rejects with `OutboundError` `TOO_LARGE` before reading, and a body that passes it errors with
   * the same error; either way the request is aborted, the rest of the answer unread.
   */
  readonly fetch: typeof globalThis.fetch;
  /**
   * The same guard (policy, lookup, connections) whose `fetch` reads answers up to `maxBytes`, for callers
   * that read more than a token answer (an OpenAPI description, an external connector's answer).
   */
  withMaxResponseBytes(maxBytes: number): EgressGuard;
  /** Closes the pooled connections of {@link fetch}, shared with every guard made from this one. */
  close(): Promise<void>;
}

/**
 * Builds an {@link EgressGuard} over a policy and a resolver; its `fetch` reads answers up to
 * {@link GUARD_MAX_RESPONSE_BYTES} (`withMaxResponseBytes` for more).
 */
export function createEgressGuard(policy: EgressPolicy, resolve: ResolveHost): EgressGuard {
  const lookup = createPinnedLookup(policy, resolve);
  const agent = new Agent({ connect: { lookup } });
  function checkUrl(text: string): URL {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new OutboundError("BAD_URL", "Outbound URL is not a valid absolute URL");
    }
    const verdict = policy.check(url.hostname);
    if (!verdict.allowed) {
      throw new OutboundError(
        "EGRESS_REFUSED",
        `Outbound request to ${url.hostname} refused (${verdict.reason}); PATCHBAY_EGRESS_ALLOW can allow it`,
      );
    }
    return url;
  }
  function guardUpTo(maxBytes: number): EgressGuard {
    return {
      checkUrl: (url) => void checkUrl(url),
      lookup,
      fetch: (async (input: Parameters<typeof globalThis.fetch>[0], init?: RequestInit) => {
        const url = input instanceof Request ? input.url : String(input);
        const { hostname } = checkUrl(url);
        // Never followed here: a redirect to an IP literal would not pass the pinned lookup, so it could
        // reach an address the policy refuses. A caller that follows redirects checks each hop itself.
        const redirect = init?.redirect === "error" ? "error" : "manual";
        const answer = await undiciFetch(url, {
          ...(init as object),
          redirect,
          dispatcher: agent,
        } as Parameters<typeof undiciFetch>[1]);
        return cappedResponse(
          {
            status: answer.status,
            statusText: answer.statusText,
            headers: answer.headers as unknown as Headers,
            body: answer.body as ReadableStream<Uint8Array> | null,
          },
          maxBytes,
          hostname,
        );
      }) as typeof globalThis.fetch,
      withMaxResponseBytes: guardUpTo,
      close: () => agent.destroy(),
    };
  }
  return guardUpTo(GUARD_MAX_RESPONSE_BYTES);
}
