import { lookup as dnsLookup } from "node:dns/promises";
import { createEgressGuard, type EgressGuard } from "./egress-guard.ts";
import { createEgressPolicy } from "./egress-policy.ts";
import {
  createOutboundClient,
  type OutboundClient,
  type OutboundClientOptions,
  type OutboundRequestInit,
  type OutboundResponse,
} from "./outbound-client.ts";

let defaultClient: OutboundClient | undefined;
let defaultGuard: EgressGuard | undefined;
let configured: OutboundClientOptions = {};

/**
 * Replaces the client behind {@link outboundRequest}; called once at start-up with the configured
 * allow-list and limits. Until then the safe defaults apply (empty allow-list, 30 s, 5 MiB).
 */
export function configureOutbound(options: OutboundClientOptions): void {
  const previous = defaultClient;
  configured = options;
  defaultClient = createOutboundClient(options);
  defaultGuard = undefined;
  // Requests already running on the old client finish; close() waits for them.
  void previous?.close().catch(() => undefined);
}

/**
 * The one function every connector calls out through: the SSRF-safe client set up by
 * {@link configureOutbound}. JSON responses are parsed by content type; string bodies are sent as-is,
 * anything else as JSON. Failures throw `OutboundError`; the caller's abort throws its own reason.
 */
export function outboundRequest(url: string, init: OutboundRequestInit): Promise<OutboundResponse> {
  defaultClient ??= createOutboundClient();
  return defaultClient.request(url, init);
}

/**
 * The configured egress policy for connections Patchbay's outbound client does not make itself (the
 * gRPC and Connect transports of external connectors): same allow-list, same pinned DNS.
 */
export function egressGuard(): EgressGuard {
  defaultGuard ??= createEgressGuard(
    createEgressPolicy(configured.allow ?? []),
    configured.lookup ?? ((hostname) => dnsLookup(hostname, { all: true, order: "verbatim" })),
  );
  return defaultGuard;
}
