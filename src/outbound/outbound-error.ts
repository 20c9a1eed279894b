/** Why an outbound request failed; a closed set callers can map to their own codes. */
export type OutboundErrorCode =
  | "EGRESS_REFUSED"
  | "TIMEOUT"
  | "TOO_LARGE"
  | "TOO_MANY_REDIRECTS"
  | "NETWORK"
  | "BAD_URL"
  // Requests sent through an on-premise agent (src/agents): no agent, it left, it refused the target, it
  // ran out of time, or it could not make the request.
  | "AGENT_UNAVAILABLE"
  | "AGENT_DISCONNECTED"
  | "AGENT_EGRESS_REFUSED"
  | "AGENT_TIMEOUT"
  | "AGENT_FAILED";

/**
 * An outbound request that Patchbay refused or could not complete. The message is operator-safe: it may
 * name the host but never carries the URL's path, query string or credentials. `cause` is for the log.
 */
export class OutboundError extends Error {
  override name = "OutboundError";
  /** The failure class. */
  readonly code: OutboundErrorCode;

  constructor(code: OutboundErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
