/** Why an outbound request failed; a closed set callers can map to their own codes. */
export type OutboundErrorCode =
  | "EGRESS_REFUSED"
  | "TIMEOUT"
  | "TOO_LARGE"
  | "TOO_MANY_REDIRECTS"
  | "NETWORK"
  | "BAD_URL";

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
