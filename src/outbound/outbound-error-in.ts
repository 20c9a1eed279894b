import { OutboundError } from "./outbound-error.ts";

/**
 * The `OutboundError` behind an error, if any: the pinned lookup fails a connection with one and the
 * guard's `fetch` errors a body over its cap with one, which fetch, the Connect transports and OAuth
 * libraries wrap in their own errors (`cause` chains).
 */
export function outboundErrorIn(error: unknown): OutboundError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof OutboundError) return current;
    current = current.cause;
  }
  return undefined;
}
