import { randomUUID } from "node:crypto";
import { createContextKey } from "@connectrpc/connect";

/** Per-request facts every layer may read. */
export interface RequestInfo {
  /** From a well-formed `x-request-id` header, or made here. */
  readonly id: string;
  /** `grpc`, `grpc-web`, `connect` or `rest`. */
  readonly protocol: string;
  /** When the request arrived (performance.now()). */
  readonly start: number;
  /**
   * Set by the request-log interceptor when the call reaches the interceptors, which then write its log
   * line; a call refused before them (unreadable, undecodable) is logged by the procedure edge.
   */
  handled: boolean;
}

/** Context key for {@link RequestInfo}. */
export const requestInfoKey = createContextKey<RequestInfo | undefined>(undefined, {
  description: "request",
});

/** The wire protocol of a request, from its content type. */
export function protocolOf(contentType: string | null, bridged = false): string {
  if (bridged) return "rest";
  const type = contentType?.toLowerCase() ?? "";
  if (type.startsWith("application/grpc-web")) return "grpc-web";
  if (type.startsWith("application/grpc")) return "grpc";
  return "connect";
}

/** A client's request id when it is safe to log and echo (short, plain characters); otherwise a new one. */
export function requestIdFrom(header: string | null): string {
  return header !== null && /^[\w.:-]{1,128}$/.test(header) ? header : randomUUID();
}
