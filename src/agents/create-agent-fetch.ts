import type { AgentSender } from "./agent-router.ts";
import { type AgentRoute, sendThroughAgent } from "./send-through-agent.ts";

/** Statuses whose response has no body. */
const NO_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A `fetch` whose every call is one request through a connected agent of the route's pool, answered
 * whole, within `timeoutMs` (the agent's deadline; the call's signal may end it sooner, and then rejects
 * with the signal's reason). Failures reject with OutboundErrors carrying the AGENT_* codes, so callers
 * that map the server's egress refusals map these alike. The agent follows no redirect: `redirect:
 * "error"` rejects a redirect answer as fetch does, any other mode hands it back as it is.
 */
export function createAgentFetch(hub: AgentSender, route: AgentRoute, timeoutMs: number): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const body = new Uint8Array(await request.arrayBuffer());
    const answer = await sendThroughAgent(
      hub,
      route,
      { method: request.method, url: request.url, headers: [...request.headers], body },
      timeoutMs,
      init?.signal ?? request.signal,
    );
    const headers = new Headers(answer.headers.map(([name, value]) => [name, value]));
    if (
      request.redirect === "error" &&
      answer.status >= 300 &&
      answer.status < 400 &&
      headers.has("location")
    )
      throw new TypeError("fetch failed: the target answered with a redirect");
    return new Response(NO_BODY.has(answer.status) ? null : answer.body, { status: answer.status, headers });
  };
}
