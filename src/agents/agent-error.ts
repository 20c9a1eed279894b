/** Why a request sent through an agent failed (docs/errors.md). */
export type AgentErrorCode =
  | "AGENT_UNAVAILABLE"
  | "AGENT_DISCONNECTED"
  | "AGENT_EGRESS_REFUSED"
  | "AGENT_TIMEOUT"
  | "AGENT_FAILED";

/** A request through an agent failed; the message is operator-safe (no URL, header or body). */
export class AgentError extends Error {
  override name = "AgentError";
  readonly code: AgentErrorCode;

  constructor(code: AgentErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
