export { type EgressAllowEntry, parseEgressAllowEntry } from "./egress-allow-entry.ts";
export {
  createEgressGuard,
  type EgressGuard,
  GUARD_MAX_RESPONSE_BYTES,
} from "./egress-guard.ts";
export { createEgressPolicy, type EgressPolicy, type EgressVerdict, refusedReason } from "./egress-policy.ts";
export { encodeBody } from "./encode-body.ts";
export { instrumentOutbound, type OutboundObserver } from "./instrument-outbound.ts";
export {
  createOutboundClient,
  type OutboundClient,
  type OutboundClientOptions,
  type OutboundRequestInit,
  type OutboundResponse,
} from "./outbound-client.ts";
export { OutboundError, type OutboundErrorCode } from "./outbound-error.ts";
export { outboundErrorIn } from "./outbound-error-in.ts";
export { parseBody } from "./parse-body.ts";
export { parseTarget } from "./parse-target.ts";
export type { ResolvedAddress, ResolveHost } from "./pinned-lookup.ts";
export { droppedOnCrossOrigin, type Hop, isRedirect, MAX_REDIRECTS, redirectHop } from "./redirect-hop.ts";
export { REFUSED_HOST_NAMES, REFUSED_RANGES, type RefusedRange } from "./refused-ranges.ts";
