import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "../../../gen/health/v1/health_pb.ts";
import { ConnectorService, MetadataSchema } from "../../../gen/patchbay/connector/v1/connector_pb.ts";
import { codeName } from "../../protocol/errors.ts";
import type { ConnectorResult } from "../define/outcome.ts";
import { callTimeout, type ResolvedClientOptions } from "./client-options.ts";
import type { ExternalConnectorClient } from "./external-connector-client.ts";
import { operatorText } from "./operator-text.ts";
import { outboundErrorIn } from "./outbound-error-in.ts";
import { type ExternalProtocol, PROTOCOL_VERSION } from "./protocol.ts";
import { createRelayTransport } from "./relay-transport.ts";
import { responseToResult } from "./response-to-result.ts";
import { schemaFromDescribe } from "./schema-from-describe.ts";

function transportFor(
  options: ResolvedClientOptions,
  protocol: Exclude<ExternalProtocol, "http">,
): Transport {
  const baseUrl = options.endpointUrl;
  const readMaxBytes = options.maxResponseBytes;
  if (options.relay !== undefined) return createRelayTransport(baseUrl, options.relay, readMaxBytes);
  const nodeOptions = options.lookup ? { nodeOptions: { lookup: options.lookup } } : {};
  if (protocol === "grpc") return createGrpcTransport({ baseUrl, readMaxBytes, ...nodeOptions });
  const httpVersion = baseUrl.startsWith("https:") ? "2" : "1.1";
  return createConnectTransport({ baseUrl, httpVersion, readMaxBytes, ...nodeOptions });
}

/**
 * A Connect/gRPC error as a recorded failure. The connector's status message is operator-safe text by
 * contract (seed 000) and kept, capped; a deadline is TIMEOUT and the caller's abort CANCELED.
 */
function errorToResult(error: unknown, signal: AbortSignal | undefined): ConnectorResult {
  const cause = ConnectError.from(error);
  if (signal?.aborted) return { success: false, error: "call canceled", errorCode: "CANCELED" };
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

/** An external connector client over gRPC or Connect (`patchbay.connector.v1.ConnectorService`). */
export function createRpcConnectorClient(
  options: ResolvedClientOptions,
  protocol: Exclude<ExternalProtocol, "http">,
): ExternalConnectorClient {
  const transport = transportFor(options, protocol);
  const connector = createClient(ConnectorService, transport);
  const health = createClient(Health, transport);
  return {
    async describe(signal) {
      try {
        const response = await connector.describe(
          {},
          { timeoutMs: options.timeoutMs, ...(signal ? { signal } : {}) },
        );
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
      }
    },
    async health(signal) {
      try {
        const response = await health.check(
          { service: "" },
          { timeoutMs: options.timeoutMs, ...(signal ? { signal } : {}) },
        );
        return response.status === HealthCheckResponse_ServingStatus.SERVING;
      } catch {
        return false;
      }
    },
    async execute(request, signal) {
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
          { timeoutMs, ...(signal ? { signal } : {}) },
        );
        return responseToResult(response);
      } catch (error) {
        return errorToResult(error, signal);
      }
    },
  };
}
