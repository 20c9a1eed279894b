export type { AgentDeps } from "./agent-deps.ts";
export { AgentError, type AgentErrorCode } from "./agent-error.ts";
export {
  type AgentAnswer,
  type AgentHub,
  type AgentInfo,
  type AgentRequest,
  type AgentStreamLimits,
  createAgentHub,
} from "./agent-hub.ts";
export { type AgentPresence, createAgentPresence, type PlacedAgent } from "./agent-presence.ts";
export { type AgentRelay, createAgentRelay } from "./agent-relay.ts";
export { type AgentSender, createAgentRouter } from "./agent-router.ts";
export { createAgentFetch } from "./create-agent-fetch.ts";
export { createAgentOutbound } from "./create-agent-outbound.ts";
export { registerAgents } from "./register-agents.ts";
export { createRelaySeal, type RelaySeal } from "./relay-seal.ts";
export type { AgentRoute } from "./send-through-agent.ts";
