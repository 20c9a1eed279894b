import type { LookupFunction } from "node:net";
import { Agent, fetch as undiciFetch } from "undici";
import type { EgressPolicy } from "./egress-policy.ts";
import { OutboundError } from "./outbound-error.ts";
import { createPinnedLookup, type ResolveHost } from "./pinned-lookup.ts";

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
   * refuse.
   */
  readonly fetch: typeof globalThis.fetch;
  /** Closes the pooled connections of {@link fetch}; a request still running is cut. */
  close(): Promise<void>;
}

/** Builds an {@link EgressGuard} over a policy and a resolver. */
export function createEgressGuard(policy: EgressPolicy, resolve: ResolveHost): EgressGuard {
  const lookup = createPinnedLookup(policy, resolve);
  const agent = new Agent({ connect: { lookup } });
  function checkUrl(text: string): void {
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
  }
  return {
    checkUrl,
    lookup,
    fetch: (async (input: Parameters<typeof globalThis.fetch>[0], init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      checkUrl(url);
      const answer = await undiciFetch(url, { ...(init as object), dispatcher: agent } as Parameters<
        typeof undiciFetch
      >[1]);
      return new Response(answer.body as ReadableStream | null, {
        status: answer.status,
        statusText: answer.statusText,
        headers: answer.headers as unknown as Headers,
      });
    }) as typeof globalThis.fetch,
    close: () => agent.destroy(),
  };
}
