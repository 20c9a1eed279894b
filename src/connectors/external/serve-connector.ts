import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createOutboundClient, type OutboundClient } from "../../outbound/outbound-client.ts";
import { listen } from "../../protocol/listener.ts";
import type { ConnectorDefinition, ConnectorLogger } from "../define/define-connector.ts";
import { createHttpProtocolHandler } from "./http-protocol-handler.ts";
import { registerConnectorService } from "./register-connector-service.ts";

/** Options for {@link serveConnector}. */
export interface ServeConnectorOptions {
  /** Port to bind; 0 (the default) picks a free one. */
  port?: number;
  /** Address to bind; 127.0.0.1 by default. */
  host?: string;
  /** Connector log lines (including unexpected handler errors); discarded when absent. */
  logger?: ConnectorLogger;
  /** Largest request body, in bytes; 5 MB by default. */
  maxBodyBytes?: number;
  /**
   * The outbound client handlers call out through (`context.outbound`), owned by the caller. When absent,
   * the connector builds one with the default egress policy (no internal or private addresses) and closes
   * it when it closes.
   */
  outbound?: OutboundClient;
}

/** A running external connector. */
export interface ServedConnector {
  /** Base URL to register with Patchbay as `endpoint_url`, e.g. `http://127.0.0.1:9090`. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** Stops accepting calls and waits (up to 5 s) for running ones. */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * Hosts a `defineConnector` definition as an external connector on one port: gRPC, gRPC-Web and
 * Connect for `patchbay.connector.v1.ConnectorService` plus `grpc.health.v1.Health`, and the plain HTTP
 * protocol 2.0 (`POST /execute`, `GET /schema`, `GET /health`), over HTTP/1.1 and h2c.
 */
export async function serveConnector(
  definition: ConnectorDefinition,
  options: ServeConnectorOptions = {},
): Promise<ServedConnector> {
  const host = options.host ?? "127.0.0.1";
  const maxBodyBytes = options.maxBodyBytes ?? 5 * 1024 * 1024;
  const outbound = options.outbound ?? createOutboundClient();
  const closeOwned = () => (outbound === options.outbound ? Promise.resolve() : outbound.close());
  const logger = options.logger;
  const handler = connectNodeAdapter({
    routes: (router) => registerConnectorService(router, definition, { outbound, logger }),
    readMaxBytes: maxBodyBytes,
    fallback: createHttpProtocolHandler(definition, { maxBodyBytes, logger, outbound }),
  });
  const listener = await listen(handler, { port: options.port ?? 0, host }).catch(async (error: unknown) => {
    await closeOwned();
    throw error;
  });
  return {
    url: `${listener.scheme}://${urlHost(host)}:${listener.port}`,
    port: listener.port,
    async close() {
      await listener.close(5_000);
      await closeOwned();
    },
  };
}
