import { createContextKey } from "@connectrpc/connect";
import type { Context } from "@opentelemetry/api";

/** The call's trace context (its RPC span's), for the handler's own spans; undefined when not traced. */
export const traceContextKey = createContextKey<Context | undefined>(undefined, {
  description: "the call's OpenTelemetry context",
});
