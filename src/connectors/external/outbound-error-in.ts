import { OutboundError } from "../../outbound/outbound-error.ts";

/**
 * The egress refusal behind a transport error, if any: the pinned lookup fails the connection with an
 * `OutboundError`, which fetch and the Connect transports wrap in their own errors (`cause` chains).
 */
export function outboundErrorIn(error: unknown): OutboundError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof OutboundError) return current;
    current = current.cause;
  }
  return undefined;
}
