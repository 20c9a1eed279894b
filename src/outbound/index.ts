export { type OutboundRequestInit, type OutboundResponse, outboundRequest } from "./outbound-request.ts";
