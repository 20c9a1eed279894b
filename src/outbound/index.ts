export { type EgressAllowEntry, parseEgressAllowEntry } from "./egress-allow-entry.ts";
export { createEgressGuard, type EgressGuard } from "./egress-guard.ts";
export { createEgressPolicy, type EgressPolicy, type EgressVerdict, refusedReason } from "./egress-policy.ts";
export {
  createOutboundClient,
  type OutboundClient,
  type OutboundClientOptions,
  type OutboundRequestInit,
  type OutboundResponse,
} from "./outbound-client.ts";
export { OutboundError, type OutboundErrorCode } from "./outbound-error.ts";
export type { ResolvedAddress, ResolveHost } from "./pinned-lookup.ts";
export { REFUSED_HOST_NAMES, REFUSED_RANGES, type RefusedRange } from "./refused-ranges.ts";
