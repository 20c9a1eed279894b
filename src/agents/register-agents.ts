import type { ConnectRouter } from "@connectrpc/connect";
import { AgentService } from "../../gen/patchbay/agent/v1/agent_pb.ts";
import type { AgentDeps } from "./agent-deps.ts";
import { listAgents } from "./list-agents.ts";
import { serveAgentStream } from "./serve-agent-stream.ts";

/** Registers AgentService (the agents' streams, and the list of connected agents) on the router. */
export function registerAgents(router: ConnectRouter, deps: AgentDeps): void {
  router.service(AgentService, {
    connect: (requests, ctx) => serveAgentStream(deps, requests, ctx),
    listAgents: (req, ctx) => listAgents(deps.presence, req, ctx),
  });
}
