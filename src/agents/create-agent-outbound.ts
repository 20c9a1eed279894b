import { type OutboundClient, OutboundError, type OutboundRequestInit } from "../outbound/index.ts";
import { AgentError } from "./agent-error.ts";
import type { AgentAnswer, AgentHub } from "./agent-hub.ts";

/** Where a connector's requests go: an agent pool of the calling tenant, for one connector. */
export interface AgentRoute {
  readonly tenantId: string;
  readonly pool: string;
  readonly connector: string;
}

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Methods a request may be repeated with safely, lower case. */
const IDEMPOTENT = new Set(["get", "head", "put", "delete", "options"]);
const CROSS_ORIGIN_DROPPED = new Set(["authorization", "cookie", "proxy-authorization"]);
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * An outbound client whose requests travel through a connected agent of the route's pool instead of the
 * server's own client: the same interface, body encoding, JSON parsing and redirect rules (at most 5,
 * each one a new request through the agent, so the agent's egress policy checks every hop; credentials
 * dropped on a cross-origin hop). Failures are OutboundErrors with the AGENT_* codes. The guard stays the
 * server's: connections this client does not make itself (gRPC and Connect transports of external
 * connectors) do not go through the agent.
 */
export function createAgentOutbound(hub: AgentHub, route: AgentRoute, base: OutboundClient): OutboundClient {
  return {
    guard: base.guard,
    close: async () => undefined,
    async request(url, init) {
      let target = url;
      let method = init.method.toUpperCase();
      let { headers, body } = encodeBody(init);
      for (let hop = 0; ; hop++) {
        const answer = await send(hub, route, {
          method,
          url: target,
          headers,
          body,
          timeoutMs: init.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          signal: init.signal,
        });
        const location = header(answer, "location");
        if (init.followRedirects === false || !REDIRECTS.has(answer.status) || location === undefined) {
          const text = new TextDecoder().decode(answer.body);
          const flat = Object.fromEntries(answer.headers.map(([name, value]) => [name.toLowerCase(), value]));
          return { status: answer.status, headers: flat, body: parseBody(text, flat["content-type"] ?? "") };
        }
        if (hop >= MAX_REDIRECTS) throw new OutboundError("TOO_MANY_REDIRECTS", "too many redirects");
        const next = new URL(location, target);
        if (next.origin !== new URL(target).origin) {
          const sensitive = new Set([...CROSS_ORIGIN_DROPPED, ...(init.sensitiveHeaders ?? [])]);
          headers = Object.fromEntries(
            Object.entries(headers).filter(([name]) => !sensitive.has(name.toLowerCase())),
          );
        }
        if (
          answer.status === 303 ||
          ((answer.status === 301 || answer.status === 302) && method === "POST")
        ) {
          method = "GET";
          body = undefined;
          headers = Object.fromEntries(
            Object.entries(headers).filter(
              ([name]) => !["content-type", "content-length"].includes(name.toLowerCase()),
            ),
          );
        }
        target = next.toString();
      }
    },
  };
}

async function send(
  hub: AgentHub,
  route: AgentRoute,
  request: {
    method: string;
    url: string;
    headers: Record<string, string>;
    body: string | undefined;
    timeoutMs: number;
    signal: AbortSignal | undefined;
  },
): Promise<AgentAnswer> {
  try {
    return await hub.send(
      route.tenantId,
      route.pool,
      {
        method: request.method,
        url: request.url,
        headers: Object.entries(request.headers),
        body: new TextEncoder().encode(request.body ?? ""),
        deadlineMs: request.timeoutMs,
        idempotent: IDEMPOTENT.has(request.method.toLowerCase()),
        connector: route.connector,
      },
      request.signal,
    );
  } catch (error) {
    // The caller's own cancellation is its reason, as with the server's client.
    if (request.signal?.aborted === true) throw request.signal.reason;
    if (error instanceof AgentError) throw new OutboundError(error.code, error.message);
    throw error;
  }
}

function header(answer: AgentAnswer, name: string): string | undefined {
  return answer.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

/** Strings as they are (text/plain unless typed), anything else as JSON, as the server's client sends them. */
function encodeBody(init: OutboundRequestInit): {
  headers: Record<string, string>;
  body: string | undefined;
} {
  const headers = { ...init.headers };
  if (init.body === undefined || init.body === null) return { headers, body: undefined };
  const body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
  if (!Object.keys(headers).some((name) => name.toLowerCase() === "content-type")) {
    headers["content-type"] =
      typeof init.body === "string" ? "text/plain; charset=utf-8" : "application/json";
  }
  return { headers, body };
}

function parseBody(text: string, type: string): unknown {
  if (!/json/i.test(type) || text === "") return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
