import type { JsonObject } from "@bufbuild/protobuf";
import type { ConnectorView } from "../catalog/index.ts";
import {
  createExternalConnectorClient,
  type ExternalExecuteRequest,
  type ExternalProtocol,
  RELAYED_PROTOCOLS,
} from "../connectors/external/index.ts";
import type { ConnectorResult } from "../connectors/index.ts";
import { OutboundError } from "../outbound/index.ts";
import type { ExternalClients } from "./external-clients.ts";
import type { DeclaredCall } from "./prepare-declared-command.ts";

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
  const request: ExternalExecuteRequest = {
    command: call.command,
    config: call.config as JsonObject,
    params: call.params as JsonObject,
    variables: call.variables as JsonObject,
    metadata: { stepId: call.stepId, runId: call.runId, timeoutMs: call.timeoutMs },
  };
  if (relay !== undefined) {
    // The catalog refuses an agent pool on a gRPC connector; a row from before that rule fails here.
    if (!RELAYED_PROTOCOLS.has(protocol)) {
      return {
        success: false,
        error: `external connectors using protocol ${protocol} cannot go through an agent`,
        errorCode: "AGENT_FAILED",
      };
    }
    // The relay carries its requests: the client holds no connection, and is closed for form's sake.
    const client = createExternalConnectorClient({ endpointUrl, protocol, relay });
    try {
      return await client.execute(request, call.signal);
    } finally {
      client.close();
    }
  }
  try {
    clients.guard.checkUrl(endpointUrl);
  } catch (error) {
    if (error instanceof OutboundError)
      return { success: false, error: error.message, errorCode: error.code };
    throw error;
  }
  return clients.get(endpointUrl, protocol).execute(request, call.signal);
}
