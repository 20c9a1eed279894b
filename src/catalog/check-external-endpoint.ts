import { Code, ConnectError } from "@connectrpc/connect";
import { type AgentRoute, type AgentSender, createAgentFetch } from "../agents/index.ts";
import {
  createExternalConnectorClient,
  EXTERNAL_MAX_RESPONSE_BYTES,
  EXTERNAL_PROTOCOLS,
  type ExternalConnectorClient,
  type ExternalProtocol,
  isExternalProtocol,
  RELAYED_PROTOCOLS,
} from "../connectors/external/index.ts";
import { type EgressGuard, OutboundError } from "../outbound/index.ts";
import { invalidArgument } from "../protocol/errors.ts";

const REGISTRATION_TIMEOUT_MS = 10_000;

/** How the server reaches an endpoint: directly under its egress guard, or through a tenant's agents. */
export interface EndpointReach {
  readonly guard: EgressGuard;
  /** The connected agents; absent where none can connect (a one-shot command). */
  readonly agents?: AgentSender | undefined;
}

/**
 * The checks an external connector's endpoint passes on CreateConnector and on every UpdateConnector
 * that changes it (or its agent pool): an http(s) URL, a known protocol, the egress policy, and a health
 * check. With `agent` (the connector names an agent pool) the endpoint is reached the way its commands
 * will be: the health check (and the caller's Describe) go through an agent of the registering tenant's
 * pool, whose own egress policy decides instead of the server's; protocol grpc cannot go through an
 * agent and is refused. Returns the normalised endpoint and what `ask` got of the healthy connector
 * (its Describe, say) on the same route and budget. The client made for the check is closed before it
 * returns, whatever happened: nothing of it stays open.
 */
export async function checkExternalEndpoint<T>(
  reach: EndpointReach,
  rawUrl: string,
  rawProtocol: string,
  agent: AgentRoute | undefined,
  ask: (client: ExternalConnectorClient, signal: AbortSignal) => Promise<T>,
): Promise<{ endpointUrl: string; protocol: ExternalProtocol; answer: T }> {
  const protocol = rawProtocol || "http";
  if (!URL.canParse(rawUrl) || !/^https?:$/.test(new URL(rawUrl).protocol)) {
    throw invalidArgument("endpoint_url must be an http or https URL for an external connector");
  }
  if (!isExternalProtocol(protocol))
    throw invalidArgument(`protocol must be one of ${EXTERNAL_PROTOCOLS.join(", ")}`);
  if (agent !== undefined && !RELAYED_PROTOCOLS.has(protocol)) {
    throw invalidArgument(
      `agent_pool is not supported for external connectors using protocol ${protocol}; use http or connect`,
    );
  }
  const endpointUrl = rawUrl.replace(/\/+$/, "");
  if (agent === undefined) {
    try {
      reach.guard.checkUrl(endpointUrl);
    } catch (error) {
      throw new ConnectError(`endpoint_url: ${(error as Error).message}`, Code.InvalidArgument);
    }
  }
  // Why the agent could not make a request, for the refusal below (its text is operator-safe).
  let agentFailure: string | undefined;
  const relay =
    agent === undefined ? undefined : agentRelay(reach.agents, agent, (why) => (agentFailure = why));
  const client = createExternalConnectorClient({
    endpointUrl,
    protocol,
    timeoutMs: REGISTRATION_TIMEOUT_MS,
    ...(relay === undefined
      ? {
          fetch: reach.guard.withMaxResponseBytes(EXTERNAL_MAX_RESPONSE_BYTES).fetch,
          lookup: reach.guard.lookup,
        }
      : { relay }),
  });
  const signal = AbortSignal.timeout(REGISTRATION_TIMEOUT_MS);
  try {
    if (!(await client.health(signal))) {
      throw new ConnectError(
        agent === undefined
          ? "the external connector did not pass its health check (unreachable, refused by the egress policy, or not serving)"
          : `the external connector did not pass its health check through agent pool '${agent.pool}' (${agentFailure ?? "unreachable or not serving"})`,
        Code.FailedPrecondition,
      );
    }
    return { endpointUrl, protocol, answer: await ask(client, signal) };
  } finally {
    client.close();
  }
}

/** A fetch through the route's agents that tells `failed` why an agent could not make a request. */
function agentRelay(
  agents: AgentSender | undefined,
  route: AgentRoute,
  failed: (why: string) => void,
): typeof fetch {
  if (agents === undefined) {
    return async () => {
      failed("no agent can connect here");
      throw new OutboundError("AGENT_UNAVAILABLE", "no agent can connect here");
    };
  }
  const through = createAgentFetch(agents, route, REGISTRATION_TIMEOUT_MS);
  return async (input, init) => {
    try {
      return await through(input, init);
    } catch (error) {
      if (error instanceof OutboundError) failed(error.message);
      throw error;
    }
  };
}
