import { lookup as dnsLookup } from "node:dns/promises";
import { Agent, request as undiciRequest } from "undici";
import { createEgressGuard, type EgressGuard } from "./egress-guard.ts";
import { createEgressPolicy, type EgressPolicy } from "./egress-policy.ts";
import { encodeBody } from "./encode-body.ts";
import { OutboundError } from "./outbound-error.ts";
import { parseBody } from "./parse-body.ts";
import { parseTarget } from "./parse-target.ts";
import { createPinnedLookup, type ResolveHost } from "./pinned-lookup.ts";
import { discard, readCappedBody, tooLarge } from "./read-capped-body.ts";
import { droppedOnCrossOrigin, type Hop, isRedirect, MAX_REDIRECTS, redirectHop } from "./redirect-hop.ts";

/** An outbound HTTP response, body parsed as JSON when it is JSON. */
export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Options for one outbound request. */
export interface OutboundRequestInit {
  method: string;
  headers?: Record<string, string>;
  /**
   * Strings are sent as-is (`text/plain; charset=utf-8` unless `headers` names a Content-Type); anything
   * else as JSON (`application/json` unless named).
   */
  body?: unknown;
  /** Total time for this request, redirects and body included; defaults to the client's. */
  timeoutMs?: number;
  /** The caller's cancellation; when it aborts, its reason is thrown unchanged. */
  signal?: AbortSignal;
  /** false: a 3xx answer is returned as it is instead of followed (webhook deliveries: 3xx is a failure). */
  followRedirects?: boolean;
  /**
   * Lower-case names of headers that carry credentials (an API key in `x-api-key`): dropped on a
   * cross-origin redirect, like Authorization, Cookie and Proxy-Authorization always are.
   */
  sensitiveHeaders?: readonly string[];
}

/** How an outbound client is set up: from config, by whoever builds the client (the composition root). */
export interface OutboundClientOptions {
  /** `PATCHBAY_EGRESS_ALLOW` entries (CIDRs, addresses, host names): the only way to reach refused addresses. */
  allow?: readonly string[];
  /** Default total time per request, redirects and body included (30 000 ms). */
  timeoutMs?: number;
  /** Largest response body read before the request fails with `TOO_LARGE` (5 MiB). */
  maxResponseBytes?: number;
  /** Resolves a host name to all its addresses (default `dns.promises.lookup`); tests hold DNS here. */
  lookup?: ResolveHost;
}

/**
 * The SSRF-safe HTTP client every connector calls out through. One is built per server (and per sandbox
 * process) from its egress settings and handed to what calls out; nothing reaches it through module state.
 */
export interface OutboundClient {
  /**
   * Sends one request, following at most 5 redirects, each checked against the egress policy. JSON
   * responses are parsed by content type; string bodies are sent as-is, anything else as JSON. Failures
   * throw `OutboundError`; the caller's abort throws its own reason.
   */
  request(url: string, init: OutboundRequestInit): Promise<OutboundResponse>;
  /**
   * The same egress policy and DNS for connections this client does not make itself (the gRPC and Connect
   * transports of external connectors, OAuth token requests): same allow-list, same pinned lookup.
   */
  readonly guard: EgressGuard;
  /**
   * Closes the client when its owner is done with it (a server's stop, after the grace period): pooled
   * connections close, the guard's included, and a request still running is cut rather than waited for.
   */
  close(): Promise<void>;
}

const MAX_CONNECT_MS = 10_000;

const defaultResolve: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, order: "verbatim" });

/**
 * Creates an outbound client with its egress policy: internal, metadata and special-purpose addresses
 * are refused unless allow-listed, DNS is resolved once per connection and the socket connects to the
 * checked address, redirects are followed by hand and re-checked, and time and response size are capped.
 */
export function createOutboundClient(options: OutboundClientOptions = {}): OutboundClient {
  const policy = createEgressPolicy(options.allow ?? []);
  const defaultTimeoutMs = options.timeoutMs ?? 30_000;
  const maxBytes = options.maxResponseBytes ?? 5 * 1024 * 1024;
  const resolve = options.lookup ?? defaultResolve;
  const agent = new Agent({
    connect: {
      lookup: createPinnedLookup(policy, resolve),
      timeout: Math.min(MAX_CONNECT_MS, defaultTimeoutMs),
    },
  });

  async function request(url: string, init: OutboundRequestInit): Promise<OutboundResponse> {
    const timeoutMs = init.timeoutMs ?? defaultTimeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let hop: Hop = { target: parseTarget(url), method: init.method.toUpperCase(), ...encodeBody(init) };
    const dropped = droppedOnCrossOrigin(init.sensitiveHeaders);
    for (let redirects = 0; ; redirects++) {
      const { target } = hop;
      checkTarget(policy, target);
      try {
        const res = await undiciRequest(target, {
          dispatcher: agent,
          method: hop.method,
          headers: hop.headers,
          signal,
          ...(hop.body !== undefined ? { body: hop.body } : {}),
        });
        const location = res.headers.location;
        if (
          init.followRedirects !== false &&
          isRedirect(res.statusCode, typeof location === "string" ? location : undefined)
        ) {
          await res.body.dump().catch(() => undefined);
          if (redirects >= MAX_REDIRECTS) {
            throw new OutboundError(
              "TOO_MANY_REDIRECTS",
              `Outbound request to ${target.hostname} redirected more than ${MAX_REDIRECTS} times`,
            );
          }
          hop = redirectHop(hop, res.statusCode, parseTarget(String(location), target), dropped);
          continue;
        }
        const declared = Number(res.headers["content-length"] ?? 0);
        if (declared > maxBytes) {
          discard(res.body);
          throw tooLarge(target.hostname, maxBytes);
        }
        const text = await readCappedBody(res.body, maxBytes, target.hostname);
        const headers = flatten(res.headers);
        return { status: res.statusCode, headers, body: parseBody(text, headers["content-type"] ?? "") };
      } catch (error) {
        throw toOutboundError(error, target.hostname, { timeout, timeoutMs, caller: init.signal });
      }
    }
  }

  const guard = createEgressGuard(policy, resolve);
  return {
    request,
    guard,
    close: async () => {
      await Promise.all([agent.destroy(), guard.close()]);
    },
  };
}

/** Checks what can be checked before connecting: metadata names and IP-literal hosts (which skip DNS). */
function checkTarget(policy: EgressPolicy, url: URL): void {
  const verdict = policy.check(url.hostname);
  if (!verdict.allowed) {
    throw new OutboundError(
      "EGRESS_REFUSED",
      `Outbound request to ${url.hostname} refused (${verdict.reason}); PATCHBAY_EGRESS_ALLOW can allow it`,
    );
  }
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

function toOutboundError(
  error: unknown,
  host: string,
  {
    timeout,
    timeoutMs,
    caller,
  }: { timeout: AbortSignal; timeoutMs: number; caller: AbortSignal | undefined },
): unknown {
  if (error instanceof OutboundError) return error;
  if (error instanceof Error && error.cause instanceof OutboundError) return error.cause;
  // The caller's own cancellation (deadline, client gone) keeps its reason so callers can tell it apart.
  if (caller?.aborted) return caller.reason ?? error;
  const code = error instanceof Error && "code" in error ? String(error.code) : "";
  if (timeout.aborted || TIMEOUT_CODES.has(code)) {
    return new OutboundError("TIMEOUT", `Outbound request to ${host} timed out after ${timeoutMs} ms`, {
      cause: error,
    });
  }
  // The code (ECONNREFUSED, UND_ERR_SOCKET…) only: an error message could quote the URL.
  return new OutboundError("NETWORK", `Outbound request to ${host} failed${code ? ` (${code})` : ""}`, {
    cause: error,
  });
}
