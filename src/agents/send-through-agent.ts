import { OutboundError } from "../outbound/index.ts";
import { AgentError } from "./agent-error.ts";
import type { AgentAnswer } from "./agent-hub.ts";
import type { AgentSender } from "./agent-router.ts";

/** Where a connector's requests go: an agent pool of the calling tenant, for one connector. */
export interface AgentRoute {
  readonly tenantId: string;
  readonly pool: string;
  readonly connector: string;
}

/** One HTTP request to make through an agent, as it is sent. */
export interface AgentHop {
  /** Upper case. */
  readonly method: string;
  readonly url: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array;
}

/** Methods a request may be repeated with safely, lower case. */
const IDEMPOTENT = new Set(["get", "head", "put", "delete", "options"]);

/**
 * Makes one request through an agent of the route's pool. Failures are OutboundErrors with the AGENT_*
 * codes; the caller's own cancellation rejects with its reason, as with the server's own client.
 */
export async function sendThroughAgent(
  hub: AgentSender,
  route: AgentRoute,
  hop: AgentHop,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<AgentAnswer> {
  try {
    return await hub.send(
      route.tenantId,
      route.pool,
      {
        method: hop.method,
        url: hop.url,
        headers: hop.headers,
        body: hop.body,
        deadlineMs: timeoutMs,
        idempotent: IDEMPOTENT.has(hop.method.toLowerCase()),
        connector: route.connector,
      },
      signal,
    );
  } catch (error) {
    if (signal?.aborted === true) throw signal.reason;
    if (error instanceof AgentError) throw new OutboundError(error.code, error.message);
    throw error;
  }
}
