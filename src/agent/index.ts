export { type AgentConfig, AgentConfigError, type AgentFlags, parseAgentConfig } from "./agent-config.ts";
export { type AgentEgress, createAgentEgress } from "./agent-egress.ts";
export { type BackoffBounds, backoffDelay } from "./backoff-delay.ts";
export type { AgentIdentity } from "./run-agent-session.ts";
export { type AgentEffects, type AgentHandle, startAgent } from "./start-agent.ts";
