import { timingSafeEqualString } from "./timing-safe-equal.ts";

/** The `hub.*` query parameters of Meta's GET subscription check (undefined when absent). */
export interface MetaHandshakeQuery {
  /** `hub.mode`: always "subscribe". */
  readonly mode: string | undefined;
  /** `hub.challenge`: "an int you must pass back to us". */
  readonly challenge: string | undefined;
  /** `hub.verify_token`: the Verify Token configured in the App Dashboard. */
  readonly verifyToken: string | undefined;
}

/** Meta sends an integer; anything outside this stays unechoed so the endpoint never reflects markup. */
const CHALLENGE = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * The `hub.challenge` to answer with (HTTP 200, body = challenge) when the query is a valid Meta
 * subscription check for `expectedToken`, else undefined (answer 403). The token compare is
 * constant-time; an empty expected token never matches.
 */
export function checkMetaHandshake(query: MetaHandshakeQuery, expectedToken: string): string | undefined {
  const { mode, challenge, verifyToken } = query;
  if (mode !== "subscribe" || challenge === undefined || verifyToken === undefined) return undefined;
  if (expectedToken.length === 0 || !CHALLENGE.test(challenge)) return undefined;
  return timingSafeEqualString(verifyToken, expectedToken) ? challenge : undefined;
}
