/** The agent's egress policy refused a target; the message names the host and port, nothing more. */
export class AgentEgressError extends Error {
  override name = "AgentEgressError";
}
