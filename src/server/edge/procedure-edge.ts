import { performance } from "node:perf_hooks";
import type { DescMessage } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextKey,
  createContextValues,
  type HandlerContext,
} from "@connectrpc/connect";
import {
  type Compression,
  createAsyncIterable,
  type UniversalHandler,
  type UniversalServerRequest,
  type UniversalServerResponse,
} from "@connectrpc/connect/protocol";
import { keyRefusalKey } from "../../auth/index.ts";
import type { RpcMetrics } from "../../metrics/index.ts";
import { toClientError } from "../../protocol/errors.ts";
import { BRIDGE_MARKER_HEADER, REQUEST_ID_HEADER } from "../../protocol/headers.ts";
import { protocolOf, type RequestInfo, requestIdFrom, requestInfoKey } from "../../protocol/request-info.ts";
import { locateInvalidUtf8 } from "../input/locate-invalid-utf8.ts";
import type { RequestLog } from "../interceptors/log-request.ts";
import { clampTimeout } from "./clamp-timeout.ts";
import { decodeRefusal, UNLOCATED_UTF8 } from "./decode-refusal.ts";
import { withSpecGrpcMessage } from "./grpc-message-encoding.ts";
import { requestMessageBytes } from "./request-message-bytes.ts";

/** Options for {@link createProcedureEdge}. */
export interface ProcedureEdgeOptions {
  /** Where a call refused before the interceptors writes its one log line. */
  requestLog: RequestLog;
  /** Counts the calls refused before the interceptors, when metrics are on. */
  rpc?: RpcMetrics | undefined;
  /** Transport deadlines above this are lowered to it, in milliseconds. */
  maxTimeoutMs: number;
  /** The router's request compressions and message size limit, to read a refused message again. */
  compressions: readonly Compression[];
  readMaxBytes: number;
}

// Unary protobuf binary: a refusal for invalid UTF-8 is explained from the bytes (locateInvalidUtf8).
const BINARY_TYPE = /^application\/(proto|grpc|grpc\+proto|grpc-web|grpc-web\+proto)\s*(;|$)/i;

async function* keeping(body: AsyncIterable<Uint8Array>, into: Uint8Array[]): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    into.push(chunk);
    yield chunk;
  }
}

/** The edge of every procedure: `wrap` goes around each router handler, `gate` is the router's request gate. */
export interface ProcedureEdge {
  /** Pass as the router's `requestGate`. */
  readonly gate: (context: HandlerContext) => void;
  /** The handler with the edge around it, keeping its properties (method, path, protocols). */
  wrap<H extends UniversalHandler>(handler: H): H;
}

// What the edge and the gate share about one call.
interface EdgeCall {
  /** The call's signal once Connect made its context; a failed call aborts it with its error. */
  signal?: AbortSignal;
  /** An answer decided before Connect reads the request; the gate throws it. */
  refusal?: ConnectError;
}

const edgeCallKey = createContextKey<EdgeCall | undefined>(undefined, { description: "edge call" });

function isByteStream(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body;
}

function withRequestId(header: ConstructorParameters<typeof Headers>[0], id: string): Headers {
  const headers = new Headers(header);
  headers.set(REQUEST_ID_HEADER, id);
  return headers;
}

/** The refused request's bytes as they arrived, to explain a refusal from. */
interface KeptRequest {
  readonly chunks: readonly Uint8Array[];
  /** gRPC and gRPC-Web frame their messages. */
  readonly framed: boolean;
  readonly header: Headers;
}

/**
 * What happens to every RPC before and after Connect handles it, whatever the protocol (REST included,
 * through the bridge): the request id and protocol are fixed, the transport deadline is clamped, and a
 * call that never reached the interceptors — unreadable or undecodable, or refused by Connect itself —
 * still writes its one log line and answers with `x-request-id`, as the interceptors do for the others.
 * Such a refusal is answered with {@link decodeRefusal}'s code and words instead of Connect's (`INTERNAL`
 * for malformed binary, or a message quoting the request): the call is answered again through the gate,
 * which throws before any body is read, so Connect writes the refusal in the client's own protocol.
 */
export function createProcedureEdge(options: ProcedureEdgeOptions): ProcedureEdge {
  const { requestLog, maxTimeoutMs, compressions, readMaxBytes } = options;

  // The edge's answer to what Connect refused while reading a request; invalid UTF-8 in binary is
  // located in the request's own bytes, so that the answer names the field.
  async function explain(
    reason: unknown,
    schema: DescMessage,
    kept: KeptRequest | undefined,
  ): Promise<ConnectError> {
    const answer = decodeRefusal(reason, schema);
    if (answer.rawMessage !== UNLOCATED_UTF8 || kept === undefined) return answer;
    const { chunks, framed, header } = kept;
    const bytes = await requestMessageBytes(chunks, framed, header, compressions, readMaxBytes).catch(
      () => undefined,
    );
    const path = bytes === undefined ? undefined : locateInvalidUtf8(schema, bytes);
    if (path === undefined) return answer;
    return new ConnectError(
      `${path} must be valid UTF-8`,
      Code.InvalidArgument,
      undefined,
      undefined,
      reason,
    );
  }

  return {
    gate(context) {
      const call = context.values.get(edgeCallKey);
      if (call === undefined) return;
      call.signal = context.signal;
      if (call.refusal !== undefined) throw call.refusal;
    },
    wrap<H extends UniversalHandler>(handler: H): H {
      const procedure = `/${handler.method.parent.typeName}/${handler.method.name}`;
      const schema = handler.method.input;
      const unary = handler.method.methodKind === "unary";
      const edged = async (req: UniversalServerRequest): Promise<UniversalServerResponse> => {
        const protocol = protocolOf(req.header.get("content-type"), req.header.has(BRIDGE_MARKER_HEADER));
        const info: RequestInfo = {
          id: requestIdFrom(req.header.get(REQUEST_ID_HEADER)),
          protocol,
          start: performance.now(),
          handled: false,
        };
        const call: EdgeCall = {};
        const malformed = clampTimeout(req.header, protocol.startsWith("grpc"), maxTimeoutMs);
        if (malformed !== undefined) call.refusal = malformed;
        const contextValues = req.contextValues ?? createContextValues();
        // Refused before its body was read (its key): answered at the gate, which reads no body, as the
        // request log interceptor answers a refused call (the request id in its metadata; what the lookup
        // threw is a generic INTERNAL, its cause logged).
        const keyRefused = contextValues.get(keyRefusalKey);
        let keyAnswer: ConnectError | undefined;
        if (keyRefused !== undefined && call.refusal === undefined) {
          const { refusal } = keyRefused;
          const answer =
            refusal instanceof ConnectError
              ? toClientError(refusal, info.id)
              : new ConnectError(
                  toClientError(refusal, info.id).rawMessage,
                  Code.Internal,
                  undefined,
                  undefined,
                  refusal,
                );
          answer.metadata.set(REQUEST_ID_HEADER, info.id);
          keyAnswer = answer;
          call.refusal = answer;
        }
        contextValues.set(requestInfoKey, info);
        contextValues.set(edgeCallKey, call);
        const kept: Uint8Array[] | undefined =
          unary && isByteStream(req.body) && BINARY_TYPE.test(req.header.get("content-type") ?? "")
            ? []
            : undefined;
        const body = kept === undefined ? req.body : keeping(req.body as AsyncIterable<Uint8Array>, kept);
        const request = { ...req, body, contextValues };
        const log = (error: unknown) =>
          requestLog.write({ reqId: info.id, procedure, protocol, start: info.start }, error, options.rpc);

        let res: UniversalServerResponse;
        try {
          res = await handler(request);
        } catch (error) {
          if (!info.handled) log(error);
          throw error;
        }
        // Logged by the interceptors, which put the request id in the headers, or the trailers of an error.
        if (info.handled) return withSpecGrpcMessage(res, protocol, compressions, readMaxBytes);
        if (call.signal === undefined) {
          // Answered without a call: HTTP method, content type or protocol version not served.
          // 405 (method), 505 (bidi streaming over HTTP/1.1): not served so; 415: not a content type at all.
          log(new ConnectError("not served", res.status === 415 ? Code.InvalidArgument : Code.Unimplemented));
        } else if (req.signal.aborted) {
          log(new ConnectError("the client went away", Code.Canceled));
        } else {
          const reason: unknown = call.signal.reason;
          const answer =
            reason === call.refusal
              ? (reason as ConnectError)
              : await explain(
                  reason,
                  schema,
                  kept && { chunks: kept, framed: protocol !== "connect", header: req.header },
                );
          log(answer);
          if (answer !== reason) {
            call.refusal = answer;
            res = await handler({ ...request, body: createAsyncIterable<Uint8Array>([]) });
          }
        }
        // A refused key's answer carries the request id where the interceptors' would: in its metadata.
        const answered =
          keyAnswer !== undefined && call.signal?.reason === keyAnswer
            ? res
            : { ...res, header: withRequestId(res.header, info.id) };
        return withSpecGrpcMessage(answered, protocol, compressions, readMaxBytes);
      };
      return Object.assign(edged, handler);
    },
  };
}
