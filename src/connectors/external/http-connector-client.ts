import { create, fromJson, type JsonValue, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  DescribeResponseSchema,
  ExecuteRequestSchema,
  type ExecuteResponse,
  ExecuteResponseSchema,
} from "../../../gen/patchbay/connector/v1/connector_pb.ts";
import { outboundErrorIn } from "../../outbound/index.ts";
import { type ConnectorResult, LEGACY_KEYS_MESSAGE } from "../define/outcome.ts";
import { type ClientCalls, closedResult, createClientCalls } from "./client-calls.ts";
import { callTimeout, type ResolvedClientOptions } from "./client-options.ts";
import type { ExternalConnectorClient } from "./external-connector-client.ts";
import { operatorText } from "./operator-text.ts";
import { CONNECTOR_ERROR_HEADER, PROTOCOL_VERSION } from "./protocol.ts";
import { readLimitedText, TooLargeError } from "./read-limited-text.ts";
import { responseToResult } from "./response-to-result.ts";
import { schemaFromDescribe } from "./schema-from-describe.ts";

/** One HTTP exchange's answer, or why there is none. */
type Exchange =
  | { ok: true; status: number; headers: Headers; text: string }
  | { ok: false; result: ConnectorResult };

function failure(error: string, errorCode: string): ConnectorResult {
  return { success: false, error, errorCode };
}

/**
 * Sends one request with the call's time budget and the response size cap; never rejects. The call ends
 * when the client closes, as its connections are the outbound client's: nothing else would stop it.
 */
async function exchange(
  options: ResolvedClientOptions,
  calls: ClientCalls,
  path: string,
  init: RequestInit,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Exchange> {
  const call = calls.begin(signal);
  if (call === undefined) return { ok: false, result: closedResult() };
  const deadline = AbortSignal.timeout(timeoutMs);
  const combined = AbortSignal.any([deadline, call.signal]);
  try {
    // Redirects are refused: a connector answers at its registered endpoint.
    const response = await options.fetch(`${options.endpointUrl}${path}`, {
      ...init,
      redirect: "error",
      signal: combined,
    });
    const text = await readLimitedText(response, options.maxResponseBytes);
    return { ok: true, status: response.status, headers: response.headers, text };
  } catch (error) {
    if (signal?.aborted) return { ok: false, result: failure("call canceled", "CANCELED") };
    if (calls.closed) return { ok: false, result: closedResult() };
    if (deadline.aborted)
      return { ok: false, result: failure("connector did not answer in time", "TIMEOUT") };
    const refused = outboundErrorIn(error);
    // Over the cap, whether the guard's fetch (it counts too) or the read below noticed it first.
    if (error instanceof TooLargeError || refused?.code === "TOO_LARGE") {
      return { ok: false, result: failure("connector response too large", "TOO_LARGE") };
    }
    if (refused !== undefined) return { ok: false, result: failure(refused.message, refused.code) };
    return { ok: false, result: failure("connector unreachable", "EXTERNAL_UNREACHABLE") };
  } finally {
    call.end();
  }
}

/** The body as an ExecuteResponse; legacy 1.x keys are refused before proto3 JSON parsing. */
function parseResponse(text: string): { response: ExecuteResponse } | { result: ConnectorResult } {
  let json: JsonValue;
  try {
    json = JSON.parse(text) as JsonValue;
  } catch {
    return { result: failure("connector answered a body that is not JSON", "INVALID_RESPONSE") };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { result: failure("connector answered a body that is not a JSON object", "INVALID_RESPONSE") };
  }
  if ("data" in json || "outputVariables" in json) {
    return { result: failure(LEGACY_KEYS_MESSAGE, "LEGACY_RESULT_KEYS") };
  }
  try {
    return { response: fromJson(ExecuteResponseSchema, json, { ignoreUnknownFields: true }) };
  } catch {
    return {
      result: failure("connector answered a body that is not an ExecuteResponse", "INVALID_RESPONSE"),
    };
  }
}

/**
 * A non-2xx answer as a failure: the `x-connector-error` header is the operator-safe text, else the
 * body's `error`, else the status; diagnostics and variables are kept when the body is an ExecuteResponse.
 */
function statusToResult(status: number, headers: Headers, text: string): ConnectorResult {
  const parsed = parseResponse(text);
  if ("result" in parsed && parsed.result.errorCode === "LEGACY_RESULT_KEYS") return parsed.result;
  const body = "response" in parsed ? responseToResult(parsed.response) : { success: false };
  const header = operatorText(headers.get(CONNECTOR_ERROR_HEADER) ?? "");
  const error = header !== "" ? header : (body.error ?? `connector answered ${status}`);
  return {
    success: false,
    error,
    ...(body.diagnostics ? { diagnostics: body.diagnostics } : {}),
    ...(body.variables ? { variables: body.variables } : {}),
    errorCode: `EXTERNAL_HTTP_${status}`,
  };
}

/**
 * An external connector client over the plain HTTP protocol 2.0 (`/execute`, `/schema`, `/health`). Its
 * connections are its fetch's (the server's outbound client, or a relay): closing it only ends its calls in
 * flight (as `CANCELED` failures) and refuses new ones.
 */
export function createHttpConnectorClient(options: ResolvedClientOptions): ExternalConnectorClient {
  const accept = { accept: "application/json" };
  const calls = createClientCalls();
  return {
    async describe(signal) {
      const answer = await exchange(
        options,
        calls,
        "/schema",
        { method: "GET", headers: accept },
        options.timeoutMs,
        signal,
      );
      const reason = !answer.ok
        ? (answer.result.error ?? "no answer")
        : answer.status < 200 || answer.status > 299
          ? `connector answered ${answer.status}`
          : undefined;
      if (answer.ok && reason === undefined) {
        try {
          const json = JSON.parse(answer.text) as JsonValue;
          return schemaFromDescribe(fromJson(DescribeResponseSchema, json, { ignoreUnknownFields: true }));
        } catch (error) {
          throw new ConnectError(
            "connector schema is not a DescribeResponse",
            Code.FailedPrecondition,
            undefined,
            undefined,
            error,
          );
        }
      }
      throw new ConnectError(`connector schema unavailable: ${reason}`, Code.FailedPrecondition);
    },
    async health(signal) {
      const answer = await exchange(
        options,
        calls,
        "/health",
        { method: "GET", headers: accept },
        options.timeoutMs,
        signal,
      );
      return answer.ok && answer.status >= 200 && answer.status <= 299;
    },
    async execute(request, signal) {
      const timeoutMs = callTimeout(options, request.metadata.timeoutMs);
      const body = create(ExecuteRequestSchema, {
        protocolVersion: PROTOCOL_VERSION,
        command: request.command,
        config: request.config,
        params: request.params,
        variables: request.variables,
        metadata: { stepId: request.metadata.stepId, runId: request.metadata.runId, timeout: timeoutMs },
      });
      const answer = await exchange(
        options,
        calls,
        "/execute",
        {
          method: "POST",
          headers: { ...accept, "content-type": "application/json" },
          body: JSON.stringify(toJson(ExecuteRequestSchema, body)),
        },
        timeoutMs,
        signal,
      );
      if (!answer.ok) return answer.result;
      if (answer.status < 200 || answer.status > 299)
        return statusToResult(answer.status, answer.headers, answer.text);
      const parsed = parseResponse(answer.text);
      return "result" in parsed ? parsed.result : responseToResult(parsed.response);
    },
    close() {
      calls.close();
    },
  };
}
