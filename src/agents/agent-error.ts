/** Why a request sent through an agent failed (docs/errors.md). */
export const AGENT_ERROR_CODES = [
  "AGENT_UNAVAILABLE",
  "AGENT_DISCONNECTED",
  "AGENT_EGRESS_REFUSED",
  "AGENT_TIMEOUT",
  "AGENT_FAILED",
] as const;
export type AgentErrorCode = (typeof AGENT_ERROR_CODES)[number];

/** A request through an agent failed; the message is operator-safe (no URL, header or body). */
export class AgentError extends Error {
  override name = "AgentError";
  readonly code: AgentErrorCode;

  constructor(code: AgentErrorCode, message: string) {
    super(message);
    this.code = code;
  }

  /** The error a stored code stands for (AGENT_FAILED for one this release does not know). */
  static of(code: string, message: string): AgentError {
    const known = AGENT_ERROR_CODES.find((c) => c === code);
    return new AgentError(known ?? "AGENT_FAILED", message);
  }
}
