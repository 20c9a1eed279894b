import {
  droppedOnCrossOrigin,
  encodeBody,
  type Hop,
  isRedirect,
  MAX_REDIRECTS,
  type OutboundClient,
  OutboundError,
  parseBody,
  parseTarget,
  redirectHop,
} from "../outbound/index.ts";
import type { AgentSender } from "./agent-router.ts";
import { type AgentRoute, sendThroughAgent } from "./send-through-agent.ts";

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * An outbound client whose requests travel through a connected agent of the route's pool instead of the
 * server's own client: the same interface, and the server client's own body encoding, JSON parsing and
 * redirect rule (src/outbound), each hop a new request through the agent, so the agent's egress policy
 * checks every one. Failures are OutboundErrors with the AGENT_* codes. The guard stays the server's:
 * connections this client does not make itself do not go through the agent (external connectors reach
 * the agent with `createAgentFetch` instead).
 */
export function createAgentOutbound(
  hub: AgentSender,
  route: AgentRoute,
  base: OutboundClient,
): OutboundClient {
  return {
    guard: base.guard,
    close: async () => undefined,
    async request(url, init) {
      let hop: Hop = { target: parseTarget(url), method: init.method.toUpperCase(), ...encodeBody(init) };
      const dropped = droppedOnCrossOrigin(init.sensitiveHeaders);
      for (let redirects = 0; ; redirects++) {
        const answer = await sendThroughAgent(
          hub,
          route,
          {
            method: hop.method,
            url: hop.target.toString(),
            headers: Object.entries(hop.headers),
            body: new TextEncoder().encode(hop.body ?? ""),
          },
          init.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          init.signal,
        );
        const location = answer.headers.find(([name]) => name.toLowerCase() === "location")?.[1];
        if (init.followRedirects === false || !isRedirect(answer.status, location)) {
          const headers = Object.fromEntries(
            answer.headers.map(([name, value]) => [name.toLowerCase(), value]),
          );
          const text = new TextDecoder().decode(answer.body);
          return { status: answer.status, headers, body: parseBody(text, headers["content-type"] ?? "") };
        }
        if (redirects >= MAX_REDIRECTS) {
          throw new OutboundError("TOO_MANY_REDIRECTS", `redirected more than ${MAX_REDIRECTS} times`);
        }
        hop = redirectHop(hop, answer.status, parseTarget(location, hop.target), dropped);
      }
    },
  };
}
