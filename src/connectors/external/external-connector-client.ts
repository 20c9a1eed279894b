import type { LookupFunction } from "node:net";
import type { JsonObject } from "@bufbuild/protobuf";
import type { ConnectorResult } from "../define/outcome.ts";
import type { ResolvedClientOptions } from "./client-options.ts";
import { createHttpConnectorClient } from "./http-connector-client.ts";
import { createRpcConnectorClient } from "./rpc-connector-client.ts";
import type { ExternalConnectorSchema } from "./schema-from-describe.ts";

/** How Patchbay talks to an external connector. */
export type ExternalProtocol = "grpc" | "connect" | "http";

/** Options for {@link createExternalConnectorClient}. */
export interface ExternalConnectorClientOptions {
  /** The connector's base URL (`endpoint_url`), e.g. `https://connector.example.com`. */
  endpointUrl: string;
  /** gRPC (HTTP/2), Connect, or plain HTTP protocol 2.0. */
  protocol: ExternalProtocol;
  /** Upper bound for every call, in milliseconds; 30 000 by default. */
  timeoutMs?: number;
  /** Largest response accepted, in bytes; 5 MB by default. */
  maxResponseBytes?: number;
  /** The HTTP client for protocol `http` (Patchbay passes its SSRF-safe outbound fetch); global fetch by default. */
  fetch?: typeof globalThis.fetch;
  /** The socket `lookup` for protocols `grpc` and `connect` (Patchbay passes its egress-pinned one). */
  lookup?: LookupFunction;
}

/** One command call to an external connector. */
export interface ExternalExecuteRequest {
  command: string;
  /** Decrypted connection config; secret. */
  config: JsonObject;
  params: JsonObject;
  variables: JsonObject;
  /** `timeoutMs` lowers the client's timeout for this call and is sent as `metadata.timeout`. */
  metadata: { stepId: string; runId: string; timeoutMs?: number };
}

/** A client for one external connector. */
export interface ExternalConnectorClient {
  /** The connector's identity and schema; rejects with a `ConnectError` when it cannot be had. */
  describe(signal?: AbortSignal): Promise<ExternalConnectorSchema>;
  /** True when the connector reports itself healthy; false on any error. */
  health(signal?: AbortSignal): Promise<boolean>;
  /**
   * Runs a command. Never rejects: transport problems, error statuses, oversized and legacy responses
   * become failures with an `errorCode` (`EXTERNAL_<CODE>`, `EXTERNAL_HTTP_<status>`, `TIMEOUT`,
   * `CANCELED`, `TOO_LARGE`, `LEGACY_RESULT_KEYS`, `INVALID_RESPONSE`).
   */
  execute(request: ExternalExecuteRequest, signal?: AbortSignal): Promise<ConnectorResult>;
}

/** A client for an external connector over the protocol it was registered with. */
export function createExternalConnectorClient(
  options: ExternalConnectorClientOptions,
): ExternalConnectorClient {
  const resolved: ResolvedClientOptions = {
    endpointUrl: options.endpointUrl.replace(/\/+$/, ""),
    timeoutMs: options.timeoutMs ?? 30_000,
    maxResponseBytes: options.maxResponseBytes ?? 5 * 1024 * 1024,
    fetch: options.fetch ?? globalThis.fetch,
    ...(options.lookup ? { lookup: options.lookup } : {}),
  };
  if (options.protocol === "http") return createHttpConnectorClient(resolved);
  return createRpcConnectorClient(resolved, options.protocol);
}
