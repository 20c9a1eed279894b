export type { AgentDeps } from "./agent-deps.ts";
export { AgentError, type AgentErrorCode, CODE_OF_AGENT_ERROR } from "./agent-error.ts";
export {
  type AgentAnswer,
  type AgentHub,
  type AgentInfo,
  type AgentRequest,
  createAgentHub,
} from "./agent-hub.ts";
export { registerAgents } from "./register-agents.ts";
