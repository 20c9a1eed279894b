import type { IncomingHttpHeaders } from "node:http";
import { BRIDGE_MARKER_HEADER } from "../../protocol/headers.ts";

/** How a unary request the fast path takes is framed. */
export interface UnaryWire {
  readonly protocol: "grpc" | "grpc-web" | "connect";
  /** Protobuf binary; otherwise JSON (Connect only). */
  readonly binary: boolean;
}

// The content types the fast path takes; Connect's own matchers accept these and more (gRPC JSON), which
// the generic path keeps.
const GRPC = /^application\/grpc(?:\+proto)?$/i;
const GRPC_WEB = /^application\/grpc-web(?:\+proto)?$/i;
const CONNECT_PROTO = /^application\/proto$/i;
const CONNECT_JSON = /^application\/json(?:; ?charset=utf-?8)?$/i;

const GRPC_WIRE: UnaryWire = { protocol: "grpc", binary: true };
const GRPC_WEB_WIRE: UnaryWire = { protocol: "grpc-web", binary: true };
const CONNECT_PROTO_WIRE: UnaryWire = { protocol: "connect", binary: true };
/** Connect JSON: also the wire of the REST bridge's calls. */
export const CONNECT_JSON_WIRE: UnaryWire = { protocol: "connect", binary: false };

function identity(encoding: string | string[] | undefined): boolean {
  return encoding === undefined || encoding === "identity";
}

/**
 * The wire of a unary POST the fast path can take whole: gRPC (HTTP/2 only) and gRPC-Web in protobuf
 * binary, Connect in binary or JSON, each with an uncompressed request. Anything else — another method or
 * content type, a compressed request, a request the REST bridge marks — is undefined: the generic path
 * answers it.
 */
export function unaryWireOf(
  method: string | undefined,
  headers: IncomingHttpHeaders,
  http2: boolean,
): UnaryWire | undefined {
  if (method !== "POST" || headers[BRIDGE_MARKER_HEADER] !== undefined) return undefined;
  const type = headers["content-type"];
  if (type === undefined) return undefined;
  if (GRPC_WEB.test(type)) return identity(headers["grpc-encoding"]) ? GRPC_WEB_WIRE : undefined;
  if (GRPC.test(type)) return http2 && identity(headers["grpc-encoding"]) ? GRPC_WIRE : undefined;
  if (!identity(headers["content-encoding"])) return undefined;
  if (CONNECT_PROTO.test(type)) return CONNECT_PROTO_WIRE;
  if (CONNECT_JSON.test(type)) return CONNECT_JSON_WIRE;
  return undefined;
}
