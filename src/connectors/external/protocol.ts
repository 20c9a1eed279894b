/** The protocol version Patchbay sends; a connector accepts major version 2. */
export const PROTOCOL_VERSION = "2.0";

/** The HTTP header that carries a failure's short operator-safe explanation (seed 000). */
export const CONNECTOR_ERROR_HEADER = "x-connector-error";
