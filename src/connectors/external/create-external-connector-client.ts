import type { LookupFunction } from "node:net";
import type { ResolvedClientOptions } from "./client-options.ts";
import type { ExternalConnectorClient } from "./external-connector-client.ts";
import { createHttpConnectorClient } from "./http-connector-client.ts";
import type { ExternalProtocol } from "./protocol.ts";
import { createRpcConnectorClient } from "./rpc-connector-client.ts";

/** Options for {@link createExternalConnectorClient}. */
export interface ExternalConnectorClientOptions {
  /** The connector's base URL (`endpoint_url`), e.g. `https://connector.example.com`. */
  endpointUrl: string;
  /** gRPC (HTTP/2), Connect, or plain HTTP protocol 2.0. */
  protocol: ExternalProtocol;
  /** Upper bound for every call, in milliseconds; 30 000 by default. */
  timeoutMs?: number;
  /** Largest response accepted, in bytes; {@link EXTERNAL_MAX_RESPONSE_BYTES} (5 MiB) by default. */
  maxResponseBytes?: number;
  /** The HTTP client for protocol `http` (Patchbay passes its SSRF-safe outbound fetch); global fetch by default. */
  fetch?: typeof globalThis.fetch;
  /** The socket `lookup` for protocols `grpc` and `connect` (Patchbay passes its egress-pinned one). */
  lookup?: LookupFunction;
  /**
   * A fetch that carries every request of protocols `http` and `connect`, one call per request answered
   * whole, instead of the client's own connections (Patchbay passes one through an on-premise agent).
   * Protocol `grpc` cannot go through one (it needs HTTP/2 trailers): such a client is refused.
   */
  relay?: typeof globalThis.fetch;
}

/** The largest answer an external connector client accepts unless told otherwise: 5 MiB. */
export const EXTERNAL_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

/** The protocols whose requests a relay fetch can carry: one request, one whole answer. */
export const RELAYED_PROTOCOLS: ReadonlySet<ExternalProtocol> = new Set(["http", "connect"]);

/** A client for an external connector over the protocol it was registered with. */
export function createExternalConnectorClient(
  options: ExternalConnectorClientOptions,
): ExternalConnectorClient {
  const resolved: ResolvedClientOptions = {
    endpointUrl: options.endpointUrl.replace(/\/+$/, ""),
    timeoutMs: options.timeoutMs ?? 30_000,
    maxResponseBytes: options.maxResponseBytes ?? EXTERNAL_MAX_RESPONSE_BYTES,
    fetch: options.fetch ?? globalThis.fetch,
    ...(options.lookup ? { lookup: options.lookup } : {}),
    ...(options.relay ? { relay: options.relay } : {}),
  };
  if (options.relay !== undefined && !RELAYED_PROTOCOLS.has(options.protocol))
    throw new Error(`protocol ${options.protocol} cannot be relayed`);
  if (options.protocol === "http")
    return createHttpConnectorClient(options.relay ? { ...resolved, fetch: options.relay } : resolved);
  return createRpcConnectorClient(resolved, options.protocol);
}
