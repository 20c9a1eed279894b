import type { JsonObject } from "@bufbuild/protobuf";
import type { ConnectorView } from "../catalog/index.ts";
import {
  createExternalConnectorClient,
  type ExternalConnectorClient,
  type ExternalProtocol,
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
 * egress policy, then `Execute` over the registered protocol. The client never rejects; its failures
 * carry error codes the failure-class table knows.
 */
export async function runExternal(
  clients: ExternalClients,
  connector: ConnectorView,
  call: DeclaredCall,
): Promise<ConnectorResult> {
  const endpointUrl = connector.endpointUrl ?? "";
  try {
    clients.guard.checkUrl(endpointUrl);
  } catch (error) {
    if (error instanceof OutboundError)
      return { success: false, error: error.message, errorCode: error.code };
    throw error;
  }
  const client = clients.get(endpointUrl, (connector.protocol ?? "http") as ExternalProtocol);
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
