import http from "node:http";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "../../../gen/health/v1/health_pb.ts";
import { ConnectorService, MetadataSchema } from "../../../gen/patchbay/connector/v1/connector_pb.ts";
import { outboundErrorIn } from "../../outbound/index.ts";
import { codeName } from "../../protocol/errors.ts";
import type { ConnectorResult } from "../define/outcome.ts";
import { type ClientCalls, closedError, closedResult, createClientCalls } from "./client-calls.ts";
import { callTimeout, type ResolvedClientOptions } from "./client-options.ts";
import { createClosableSessionManager } from "./closable-session-manager.ts";
import type { ExternalConnectorClient } from "./external-connector-client.ts";
import { operatorText } from "./operator-text.ts";
import { type ExternalProtocol, PROTOCOL_VERSION } from "./protocol.ts";
import { createRelayTransport } from "./relay-transport.ts";
import { responseToResult } from "./response-to-result.ts";
import { schemaFromDescribe } from "./schema-from-describe.ts";

/** A transport, and how to release the connections it holds. */
interface OwnedTransport {
  readonly transport: Transport;
  readonly release: () => void;
}

/**
 * The client's transport over connections of its own, so that closing the client closes them: one HTTP/2
 * session for gRPC and for Connect over TLS, a keep-alive agent for Connect over cleartext HTTP/1.1 (the
 * same settings as Node's global agent, which would share the sockets with every other request). A relay
 * carries the requests itself: nothing is held.
 */
function transportFor(
  options: ResolvedClientOptions,
  protocol: Exclude<ExternalProtocol, "http">,
): OwnedTransport {
  const baseUrl = options.endpointUrl;
  const readMaxBytes = options.maxResponseBytes;
  if (options.relay !== undefined)
    return { transport: createRelayTransport(baseUrl, options.relay, readMaxBytes), release: () => {} };
  const lookup = options.lookup ? { lookup: options.lookup } : {};
  if (protocol === "connect" && !baseUrl.startsWith("https:")) {
    const agent = new http.Agent({ keepAlive: true, scheduling: "lifo", timeout: 5_000 });
    const nodeOptions = { agent, ...lookup };
    return {
      transport: createConnectTransport({ baseUrl, httpVersion: "1.1", readMaxBytes, nodeOptions }),
      release: () => agent.destroy(),
    };
  }
  const sessionManager = createClosableSessionManager(baseUrl, lookup);
  const transport =
    protocol === "grpc"
      ? createGrpcTransport({ baseUrl, readMaxBytes, sessionManager })
      : createConnectTransport({ baseUrl, httpVersion: "2", readMaxBytes, sessionManager });
  return { transport, release: () => sessionManager.close() };
}

/**
 * A Connect/gRPC error as a recorded failure. The connector's status message is operator-safe text by
 * contract (seed 000) and kept, capped; a deadline is TIMEOUT and the caller's abort CANCELED.
 */
function errorToResult(error: unknown, signal: AbortSignal | undefined, calls: ClientCalls): ConnectorResult {
  const cause = ConnectError.from(error);
  if (signal?.aborted) return { success: false, error: "call canceled", errorCode: "CANCELED" };
  if (calls.closed) return closedResult();
  const refused = outboundErrorIn(error);
  if (refused !== undefined) return { success: false, error: refused.message, errorCode: refused.code };
  if (cause.code === Code.DeadlineExceeded) {
    return { success: false, error: "connector did not answer in time", errorCode: "TIMEOUT" };
  }
  // connect-es reports its own readMaxBytes limit as RESOURCE_EXHAUSTED naming the option.
  if (cause.code === Code.ResourceExhausted && cause.rawMessage.includes("readMaxBytes")) {
    return { success: false, error: "connector response too large", errorCode: "TOO_LARGE" };
  }
  const text = operatorText(cause.rawMessage);
  return {
    success: false,
    error: text === "" ? `connector answered ${codeName(cause.code)}` : text,
    errorCode: `EXTERNAL_${codeName(cause.code).toUpperCase()}`,
  };
}

/**
 * An external connector client over gRPC or Connect (`patchbay.connector.v1.ConnectorService`). Closing it
 * aborts its calls in flight (they end as `CANCELED` failures) and closes its connections.
 */
export function createRpcConnectorClient(
  options: ResolvedClientOptions,
  protocol: Exclude<ExternalProtocol, "http">,
): ExternalConnectorClient {
  const { transport, release } = transportFor(options, protocol);
  const connector = createClient(ConnectorService, transport);
  const health = createClient(Health, transport);
  const calls = createClientCalls();
  return {
    async describe(signal) {
      const call = calls.begin(signal);
      if (call === undefined) throw closedError();
      try {
        const response = await connector.describe({}, { timeoutMs: options.timeoutMs, signal: call.signal });
        return schemaFromDescribe(response);
      } catch (error) {
        const cause = ConnectError.from(error);
        throw new ConnectError(
          `connector Describe failed: ${operatorText(cause.rawMessage)}`,
          Code.FailedPrecondition,
          undefined,
          undefined,
          cause,
        );
      } finally {
        call.end();
      }
    },
    async health(signal) {
      const call = calls.begin(signal);
      if (call === undefined) return false;
      try {
        const response = await health.check(
          { service: "" },
          { timeoutMs: options.timeoutMs, signal: call.signal },
        );
        return response.status === HealthCheckResponse_ServingStatus.SERVING;
      } catch {
        return false;
      } finally {
        call.end();
      }
    },
    async execute(request, signal) {
      const call = calls.begin(signal);
      if (call === undefined) return closedResult();
      const timeoutMs = callTimeout(options, request.metadata.timeoutMs);
      try {
        const response = await connector.execute(
          {
            protocolVersion: PROTOCOL_VERSION,
            command: request.command,
            config: request.config,
            params: request.params,
            variables: request.variables,
            metadata: create(MetadataSchema, {
              stepId: request.metadata.stepId,
              runId: request.metadata.runId,
              timeout: timeoutMs,
            }),
          },
          { timeoutMs, signal: call.signal },
        );
        return responseToResult(response);
      } catch (error) {
        return errorToResult(error, signal, calls);
      } finally {
        call.end();
      }
    },
    close() {
      calls.close();
      release();
    },
  };
}
