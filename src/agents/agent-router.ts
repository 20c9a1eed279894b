import { AgentError } from "./agent-error.ts";
import type { AgentAnswer, AgentHub, AgentRequest } from "./agent-hub.ts";
import type { AgentPresence } from "./agent-presence.ts";
import type { AgentRelay } from "./agent-relay.ts";

/** Sends a request through an agent of a tenant's pool, wherever its stream is held. */
export interface AgentSender {
  /** Rejects with an {@link AgentError}. */
  send(tenantId: string, pool: string, request: AgentRequest, signal?: AbortSignal): Promise<AgentAnswer>;
}

/** What {@link createAgentRouter} needs. */
export interface AgentRouterDeps {
  /** This replica's agents. */
  readonly hub: AgentHub;
  /** Where the other replicas' agents are. */
  readonly presence: Pick<AgentPresence, "replicasFor">;
  readonly relay: Pick<AgentRelay, "send">;
}

/**
 * Agents on any replica: an agent of the pool connected to this replica takes the request directly (no
 * database work on that path); otherwise it is relayed to another replica that holds one, least loaded
 * first, trying the next when that one has no room after all. None anywhere is AGENT_UNAVAILABLE.
 */
export function createAgentRouter(deps: AgentRouterDeps): AgentSender {
  return {
    async send(tenantId, pool, request, signal) {
      try {
        return await deps.hub.send(tenantId, pool, request, signal);
      } catch (error) {
        // Refused before anything was sent: no agent of the pool here with room for it.
        if (!(error instanceof AgentError) || error.code !== "AGENT_UNAVAILABLE") throw error;
      }
      const started = performance.now();
      const replicas = await deps.presence.replicasFor(tenantId, pool, request.connector).catch(() => {
        throw new AgentError("AGENT_UNAVAILABLE", "the other replicas' agents could not be looked up");
      });
      for (const replica of replicas) {
        const deadlineMs = request.deadlineMs - (performance.now() - started);
        if (deadlineMs <= 0) throw new AgentError("AGENT_TIMEOUT", "the agent did not answer in time");
        try {
          return await deps.relay.send(replica, tenantId, pool, { ...request, deadlineMs }, signal);
        } catch (error) {
          if (!(error instanceof AgentError) || error.code !== "AGENT_UNAVAILABLE") throw error;
        }
      }
      throw new AgentError(
        "AGENT_UNAVAILABLE",
        `no agent of pool '${pool}' is connected with room for this request`,
      );
    },
  };
}
