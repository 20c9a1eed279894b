/** The protocol version Patchbay sends; a connector accepts major version 2. */
export const PROTOCOL_VERSION = "2.0";

/** The HTTP header that carries a failure's short operator-safe explanation (seed 000). */
export const CONNECTOR_ERROR_HEADER = "x-connector-error";

/**
 * How Patchbay calls an external connector: gRPC (HTTP/2), Connect, or plain HTTP protocol 2.0. The
 * values of `protocol` in the catalog API, declared once here; empty in a request means "http".
 */
export const EXTERNAL_PROTOCOLS = ["grpc", "connect", "http"] as const;

/** One of {@link EXTERNAL_PROTOCOLS}. */
export type ExternalProtocol = (typeof EXTERNAL_PROTOCOLS)[number];

/** True when `value` names an external connector protocol. */
export function isExternalProtocol(value: string): value is ExternalProtocol {
  return (EXTERNAL_PROTOCOLS as readonly string[]).includes(value);
}
