/** Header names of Patchbay's HTTP contract, shared by every protocol and the features that set them. */

/** Response header carrying the request id, on every answer. */
export const REQUEST_ID_HEADER = "x-request-id";

/** Header the REST bridge sets on the requests it forwards, so logs say `rest`. Stripped from clients. */
export const BRIDGE_MARKER_HEADER = "x-patchbay-bridge";

/** Response header a handler sets to pick a documented non-200 success status; consumed and stripped. */
export const HTTP_STATUS_HEADER = "x-patchbay-http-status";

/** Header carrying the short operator-safe error message on every REST error. */
export const ERROR_HEADER = "x-patchbay-error";

/** Response header naming a deprecated command's deprecation message, on every call that ran one. */
export const DEPRECATED_HEADER = "x-patchbay-deprecated";
