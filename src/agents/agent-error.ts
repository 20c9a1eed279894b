import { Code } from "@connectrpc/connect";

/** Why a request sent through an agent failed: each code is a failure class of its own. */
export type AgentErrorCode =
  | "AGENT_UNAVAILABLE"
  | "AGENT_DISCONNECTED"
  | "AGENT_EGRESS_REFUSED"
  | "AGENT_TIMEOUT"
  | "AGENT_FAILED";

/** The status each code answers with. */
export const CODE_OF_AGENT_ERROR: Readonly<Record<AgentErrorCode, Code>> = {
  AGENT_UNAVAILABLE: Code.Unavailable,
  AGENT_DISCONNECTED: Code.Unavailable,
  AGENT_EGRESS_REFUSED: Code.FailedPrecondition,
  AGENT_TIMEOUT: Code.DeadlineExceeded,
  AGENT_FAILED: Code.Unavailable,
};

/** A request through an agent failed; the message is operator-safe (no URL, header or body). */
export class AgentError extends Error {
  override name = "AgentError";
  readonly code: AgentErrorCode;

  constructor(code: AgentErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
