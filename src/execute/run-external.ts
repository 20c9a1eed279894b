import type { JsonObject } from "@bufbuild/protobuf";
import type { ConnectorView } from "../catalog/index.ts";
import {
  createExternalConnectorClient,
  type ExternalConnectorClient,
  type ExternalProtocol,
  RELAYED_PROTOCOLS,
} from "../connectors/external/index.ts";
import type { ConnectorResult } from "../connectors/index.ts";
import { type EgressGuard, OutboundError } from "../outbound/index.ts";
import type { DeclaredCall } from "./prepare-declared-command.ts";

/** Clients for external connectors, one per endpoint and protocol, so connections are reused. */
export interface ExternalClients {
  /** The egress policy the clients connect under (the server's outbound client's guard). */
  readonly guard: EgressGuard;
  get(endpointUrl: string, protocol: ExternalProtocol): ExternalConnectorClient;
}

const MAX_CLIENTS = 256;

/**
 * A small cache of external connector clients (oldest dropped past 256 endpoints), connecting under
 * `guard`.
 */
export function createExternalClients(guard: EgressGuard): ExternalClients {
  const clients = new Map<string, ExternalConnectorClient>();
  return {
    guard,
    get(endpointUrl, protocol) {
      const key = `${protocol} ${endpointUrl}`;
      let client = clients.get(key);
      if (client === undefined) {
        client = createExternalConnectorClient({
          endpointUrl,
          protocol,
          fetch: guard.fetch,
          lookup: guard.lookup,
        });
        if (clients.size >= MAX_CLIENTS) clients.delete(clients.keys().next().value as string);
        clients.set(key, client);
      }
      return client;
    },
  };
}

/**
 * Runs a command of an external connector (params already checked): the endpoint checked against the
 * egress policy, then `Execute` over the registered protocol. With `relay` (a fetch through an agent of
 * the connector's pool) the call goes through it instead, on a client of its own (the route is part of
 * the client's identity), and the agent's egress policy decides, not the server's. The client never
 * rejects; its failures carry error codes the failure-class table knows.
 */
export async function runExternal(
  clients: ExternalClients,
  connector: ConnectorView,
  call: DeclaredCall,
  relay?: typeof fetch,
): Promise<ConnectorResult> {
  const endpointUrl = connector.endpointUrl ?? "";
  const protocol = (connector.protocol ?? "http") as ExternalProtocol;
  let client: ExternalConnectorClient;
  if (relay !== undefined) {
    // The catalog refuses an agent pool on a gRPC connector; a row from before that rule fails here.
    if (!RELAYED_PROTOCOLS.has(protocol)) {
      return {
        success: false,
        error: `external connectors using protocol ${protocol} cannot go through an agent`,
        errorCode: "AGENT_FAILED",
      };
    }
    client = createExternalConnectorClient({ endpointUrl, protocol, relay });
  } else {
    try {
      clients.guard.checkUrl(endpointUrl);
    } catch (error) {
      if (error instanceof OutboundError)
        return { success: false, error: error.message, errorCode: error.code };
      throw error;
    }
    client = clients.get(endpointUrl, protocol);
  }
  return client.execute(
    {
      command: call.command,
      config: call.config as JsonObject,
      params: call.params as JsonObject,
      variables: call.variables as JsonObject,
      metadata: { stepId: call.stepId, runId: call.runId, timeoutMs: call.timeoutMs },
    },
    call.signal,
  );
}
