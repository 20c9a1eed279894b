export type { AgentDeps } from "./agent-deps.ts";
export { AgentError, type AgentErrorCode } from "./agent-error.ts";
export {
  type AgentAnswer,
  type AgentHub,
  type AgentInfo,
  type AgentRequest,
  createAgentHub,
} from "./agent-hub.ts";
export { createAgentFetch } from "./create-agent-fetch.ts";
export { createAgentOutbound } from "./create-agent-outbound.ts";
export { registerAgents } from "./register-agents.ts";
export type { AgentRoute } from "./send-through-agent.ts";
