import { performance } from "node:perf_hooks";
import {
  create,
  type DescMessage,
  fromJson,
  isMessage,
  type JsonValue,
  type MessageShape,
} from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ContextValues,
  createContextKey,
  createContextValues,
  type HandlerContext,
  type Interceptor,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import {
  type Compression,
  compressionNegotiate,
  createMethodSerializationLookup,
  type MethodSerializationLookup,
  type UniversalHandlerOptions,
  validateUniversalHandlerOptions,
} from "@connectrpc/connect/protocol";
import { contentTypeUnaryJson, contentTypeUnaryProto } from "@connectrpc/connect/protocol-connect";
import { contentTypeProto as grpcProto } from "@connectrpc/connect/protocol-grpc";
import { contentTypeProto as grpcWebProto } from "@connectrpc/connect/protocol-grpc-web";
import { BRIDGE_MARKER_HEADER, REQUEST_ID_HEADER } from "../../protocol/headers.ts";
import type { NodeReq, NodeRes, StreamHandler } from "../../protocol/node-types.ts";
import { protocolOf, type RequestInfo, requestIdFrom, requestInfoKey } from "../../protocol/request-info.ts";
import { clampTimeout, timeoutMsOf } from "../edge/clamp-timeout.ts";
import { CompatExchange } from "./compat-exchange.ts";
import { type ConnectAnswer, connectAnswer, connectErrorOf } from "./connect-answer.ts";
import { jsonAnswerSerializer } from "./json-answer-serializer.ts";
import { nodeRequestHeaders } from "./node-request-headers.ts";
import type { UnaryMethod } from "./recording-router.ts";
import { StreamExchange } from "./stream-exchange.ts";
import type { UnaryAnswer } from "./unary-answer.ts";
import type { GenericRoute, UnaryExchange } from "./unary-exchange.ts";
import { CONNECT_JSON_WIRE, type UnaryWire, unaryWireOf } from "./unary-wire.ts";
import { writeUnaryAnswer } from "./write-unary-answer.ts";

export type { ConnectAnswer } from "./connect-answer.ts";
export type { BodyPrefix, GenericRoute } from "./unary-exchange.ts";

/** Where a call learns that its client went away: the exchange's close, before or after the answer ended. */
export type ClientWatch = Pick<UnaryExchange, "onceClosed" | "offClosed" | "writableEnded">;

/** A REST bridge call: what the bridge would give Connect's handler, and the REST exchange it answers. */
export interface BridgedRequest {
  /** The URL Connect's handler would be given (the REST path and query). */
  readonly url: string;
  /** The request headers the bridge forwards, its marker included; a deadline in them is clamped in place. */
  readonly header: Headers;
  /** The request message as proto3 JSON, as the bridge built it. */
  readonly json: unknown;
  /** A client that goes away before the answer is complete cancels the call. */
  readonly client: ClientWatch;
}

/**
 * Runs a REST bridge call of one procedure and answers as Connect's unary handler would for the same
 * request with the JSON value as its body (status, headers with trailers muxed in, body); undefined when the
 * call is not one it runs exactly as Connect does, which the bridge then hands to Connect's handler.
 */
export type BridgedUnary = (request: BridgedRequest) => Promise<ConnectAnswer> | undefined;

/**
 * The fast path's handler of one procedure: for a request on Node's request and response objects, and, as
 * `stream`, for an HTTP/2 request stream before Node makes those objects.
 */
export interface UnaryRoute {
  (req: NodeReq, res: NodeRes): void;
  readonly stream: StreamHandler;
  /** The procedure's REST bridge calls. */
  readonly bridged: BridgedUnary;
}

/** Options for {@link createUnaryFastPath}: the router's own, so that both paths behave alike. */
export interface UnaryFastPathOptions {
  /** The router's options (interceptors, limits, compressions, JSON options, shutdown signal). */
  readonly router: Partial<UniversalHandlerOptions>;
  /** Transport deadlines above this are lowered to it, in milliseconds (as the procedure edge does). */
  readonly maxTimeoutMs: number;
  readonly generic: GenericRoute;
  /** Told of a response that could not be written (the client went away), as the generic path is. */
  readonly onWriteError: (error: unknown) => void;
}

// One call's state, for the innermost function of the interceptor chain.
interface FastCall {
  readonly context: Omit<HandlerContext, "signal" | "requestHeader" | "values">;
}

// What one call is begun with (see `open`).
interface CallSetup {
  readonly requestHeader: Headers;
  /** The protocol the request log and metrics name (`rest` for the bridge's calls). */
  readonly protocol: string;
  readonly wire: UnaryWire;
  readonly url: string;
  /** The response compression the client accepts, if any. */
  readonly compression: Compression | null;
  /** When the call arrived (performance.now()). */
  readonly start: number;
  readonly timeoutMs: number | undefined;
  readonly client: ClientWatch;
  /** The reason the call's signal is aborted with when the client goes away. */
  readonly left: () => unknown;
}

const fastCallKey = createContextKey<FastCall | undefined>(undefined, { description: "unary fast call" });

interface FastMethod {
  readonly method: UnaryMethod["spec"]["method"];
  readonly options: ReturnType<typeof validateUniversalHandlerOptions>;
  readonly serialization: MethodSerializationLookup<DescMessage, DescMessage>;
  /** Serializes a binary or JSON answer (JSON as Connect's serialization does, into pooled memory). */
  readonly serializeOutput: (binary: boolean, message: MessageShape<DescMessage>) => Uint8Array;
  /** The interceptors around the implementation, composed once. */
  readonly next: (req: UnaryRequest) => Promise<UnaryResponse>;
}

function normalized<T extends DescMessage>(schema: T, value: unknown): MessageShape<T> {
  return isMessage(value, schema) ? value : create(schema, value as never);
}

/** The single message of a gRPC or gRPC-Web request body, if it holds exactly one uncompressed message. */
function unframe(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.byteLength < 5 || bytes[0] !== 0) return undefined;
  const length = new DataView(bytes.buffer, bytes.byteOffset, 5).getUint32(1);
  return bytes.byteLength === 5 + length ? bytes.subarray(5) : undefined;
}

/**
 * The unary fast path: decodes, runs and encodes a unary call straight on `node:http2`/`node:http` for
 * gRPC, gRPC-Web and Connect, through the router's own interceptors and implementations, without
 * Connect's stream machinery (async iterables per call, header conversions, an abort reason made per
 * call). It takes only well-formed requests it can answer exactly as the generic path would — an
 * uncompressed single message of a known content type with a well-formed deadline, within the size
 * limit — and hands everything else, with whatever body it already read, to the generic path, which
 * answers and refuses as before. Returns the handler per procedure path. Over HTTP/2 it answers on the
 * stream itself (Node's request and response objects cost time per call); a stream it does not take before
 * reading goes back to Node's own handling, one it has read part of to the generic path. The REST bridge's
 * unary calls run through the same pipeline (`bridged`), answered as Connect's handler answers them.
 */
export function createUnaryFastPath(
  methods: readonly UnaryMethod[],
  options: UnaryFastPathOptions,
): Map<string, UnaryRoute> {
  const { generic, maxTimeoutMs, onWriteError } = options;
  const shutdown = options.router.shutdownSignal;
  // What a finished call's signal says (Connect aborts it too, so that work a call left behind stops);
  // frozen, so no call can change what another reads.
  const ended = Object.freeze(new ConnectError("the call ended", Code.Canceled));
  // The calls in flight, each aborted with the shutdown's reason, in the order they began, when the server
  // shuts down: one listener for all of them (an AbortSignal listener is costly to add and remove per call).
  const inFlight = new Set<AbortController>();
  shutdown?.addEventListener(
    "abort",
    () => {
      for (const controller of inFlight) controller.abort(shutdown.reason);
    },
    { once: true },
  );

  const fast = new Map<string, UnaryRoute>();
  for (const { spec, options: own } of methods) {
    const opt = validateUniversalHandlerOptions({ ...options.router, ...own });
    const { method } = spec;
    const service = method.parent;
    const invoke = async (req: UnaryRequest): Promise<UnaryResponse> => {
      const call = req.contextValues.get(fastCallKey) as FastCall;
      const context: HandlerContext = {
        ...call.context,
        service: req.service,
        signal: req.signal,
        requestHeader: req.header,
        values: req.contextValues,
      };
      const output = await spec.impl(req.message, context);
      return {
        stream: false,
        service,
        method,
        message: normalized(method.output, output),
        header: call.context.responseHeader,
        trailer: call.context.responseTrailer,
      };
    };
    const next = opt.interceptors.reduceRight<(req: UnaryRequest) => Promise<UnaryResponse>>(
      (inner, interceptor: Interceptor) => interceptor(inner as never) as never,
      invoke,
    );
    const serialization: MethodSerializationLookup<DescMessage, DescMessage> =
      createMethodSerializationLookup(method, opt.binaryOptions, opt.jsonOptions, opt);
    const json = jsonAnswerSerializer(method.output, opt.jsonOptions, opt.writeMaxBytes);
    const entry: FastMethod = {
      method,
      options: opt,
      serialization,
      serializeOutput: (binary, message) =>
        binary || json === undefined
          ? serialization.getO(binary).serialize(message)
          : json(message as MessageShape<typeof method.output>),
      next,
    };
    const route = (req: NodeReq, res: NodeRes) => take(entry, new CompatExchange(req, res, generic));
    const stream: StreamHandler = (stream, headers, rawHeaders, toCompat) => {
      // Node's compatibility layer answers an `expect` header itself (100-continue, or 417).
      if (headers.expect !== undefined) toCompat();
      else take(entry, new StreamExchange(stream, headers, rawHeaders, toCompat, generic));
    };
    const bridged: BridgedUnary = (request) => bridge(entry, request);
    fast.set(`/${service.typeName}/${method.name}`, Object.assign(route, { stream, bridged }));
  }

  function take(m: FastMethod, ex: UnaryExchange): void {
    const start = performance.now();
    const wire = unaryWireOf(ex.method, ex.headers, ex.http2);
    const grpcFamily = wire?.protocol !== "connect";
    const timeoutHeader = ex.headers[grpcFamily ? "grpc-timeout" : "connect-timeout-ms"];
    const timeoutMs =
      typeof timeoutHeader === "string" ? timeoutMsOf(timeoutHeader, grpcFamily, maxTimeoutMs) : null;
    if (wire === undefined || timeoutMs === undefined || Array.isArray(timeoutHeader)) {
      ex.handOn(undefined);
      return;
    }
    const framed = wire.protocol !== "connect";
    ex.readBody(framed ? m.options.readMaxBytes + 5 : m.options.readMaxBytes).then(
      (body) => {
        if (body.kind !== "whole") {
          ex.handOn({ chunks: body.chunks, whole: false, broken: body.kind === "broken" });
          return;
        }
        const bytes = framed ? unframe(body.bytes) : body.bytes;
        let input: MessageShape<DescMessage> | undefined;
        try {
          if (bytes !== undefined) input = m.serialization.getI(wire.binary).parse(bytes);
        } catch {
          // Refusals are the generic path's to explain (it names the field and logs the call).
        }
        if (input === undefined) ex.handOn({ chunks: body.chunks, whole: true, broken: false });
        else run(m, ex, wire, input, start, timeoutMs ?? undefined);
      },
      (error: unknown) => onWriteError(error),
    );
  }

  function run(
    m: FastMethod,
    ex: UnaryExchange,
    wire: UnaryWire,
    input: MessageShape<DescMessage>,
    start: number,
    timeoutMs: number | undefined,
  ): void {
    const requestHeader = nodeRequestHeaders(ex.headers);
    const grpcFamily = wire.protocol !== "connect";
    const acceptHeader = grpcFamily ? "grpc-accept-encoding" : "accept-encoding";
    const compression = compressionNegotiate(
      m.options.acceptCompression,
      null,
      requestHeader.get(acceptHeader),
      acceptHeader,
    ).response;
    const authority = (ex.headers[":authority"] ?? ex.headers.host) as string | undefined;
    const url = `${ex.encrypted ? "https" : "http"}://${authority ?? "localhost"}${ex.url ?? ""}`;
    const call = open(m, input, {
      requestHeader,
      protocol: wire.protocol,
      wire,
      url,
      compression,
      start,
      timeoutMs,
      client: ex,
      left: clientWentAway,
    });
    const { answer } = call;
    m.next(call.request)
      .then(
        (response) => {
          adopt(response, answer);
          call.finish();
          return writeUnaryAnswer(ex, answer, {
            message: m.serializeOutput(wire.binary, response.message),
          });
        },
        (error: unknown) => {
          call.finish();
          return writeUnaryAnswer(ex, answer, { error });
        },
      )
      .catch((error: unknown) => {
        // Serializing the answer failed (larger than the write limit): answered as an error, as Connect does.
        if (!ex.headersSent) return writeUnaryAnswer(ex, answer, { error });
        throw error;
      })
      .catch(onWriteError);
  }

  // A REST bridge call, run as Connect's unary handler runs a Connect JSON call whose body is the JSON value
  // the bridge built (what the procedure edge and Connect would do for it, without their stream
  // machinery); undefined for a call Connect would answer otherwise than by running the method (an
  // unknown request encoding, a malformed deadline, input it cannot convert): the bridge hands those to
  // the handler, which refuses them as before.
  function bridge(m: FastMethod, req: BridgedRequest): Promise<ConnectAnswer> | undefined {
    const start = performance.now();
    const { header } = req;
    if (header.get("content-type") !== contentTypeUnaryJson) return undefined;
    const compression = compressionNegotiate(
      m.options.acceptCompression,
      header.get("content-encoding"),
      header.get("accept-encoding"),
      "accept-encoding",
    );
    if (compression.error !== undefined) return undefined;
    let input: MessageShape<DescMessage>;
    try {
      // As Connect converts a request body that is already JSON: without the router's JSON options.
      input = fromJson(m.method.input, req.json as JsonValue);
    } catch {
      return undefined;
    }
    // The edge clamps the header in place before Connect reads it (the handler sees the clamped value).
    if (clampTimeout(header, false, maxTimeoutMs) !== undefined) return undefined;
    const timeoutHeader = header.get("connect-timeout-ms");
    const call = open(m, input, {
      requestHeader: header,
      protocol: protocolOf(header.get("content-type"), header.has(BRIDGE_MARKER_HEADER)),
      wire: CONNECT_JSON_WIRE,
      url: req.url,
      compression: compression.response,
      start,
      timeoutMs: timeoutHeader === null ? undefined : Number(timeoutHeader),
      client: req.client,
      left: bridgeClientLeft,
    });
    const { answer } = call;
    return m.next(call.request).then(
      (response) => {
        adopt(response, answer);
        call.finish();
        let message: Uint8Array;
        try {
          message = m.serializeOutput(false, response.message);
        } catch (error) {
          // Larger than the write limit: answered as an error, as Connect does.
          return connectAnswer(answer, connectErrorOf(error), undefined);
        }
        return connectAnswer(answer, undefined, message);
      },
      (error: unknown) => {
        call.finish();
        return connectAnswer(answer, connectErrorOf(error), undefined);
      },
    );
  }

  // Begins one call: its signal (deadline, shutdown, the client going away), its context and answer
  // headers, and the request the interceptor chain is given; `finish` ends what the call holds.
  function open(
    m: FastMethod,
    input: MessageShape<DescMessage>,
    setup: CallSetup,
  ): { readonly request: UnaryRequest; readonly answer: UnaryAnswer; readonly finish: () => void } {
    const { method, options: opt } = m;
    const { requestHeader, wire, url, compression, timeoutMs, client } = setup;
    const info: RequestInfo = {
      id: requestIdFrom(requestHeader.get(REQUEST_ID_HEADER)),
      protocol: setup.protocol,
      start: setup.start,
      handled: false,
    };
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    if (timeoutMs !== undefined) {
      const expire = () =>
        controller.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
      if (timeoutMs <= 0) expire();
      else timer = setTimeout(expire, timeoutMs);
    }
    if (shutdown?.aborted === true) controller.abort(shutdown.reason);
    else inFlight.add(controller);
    const onClose = () => {
      if (!client.writableEnded) controller.abort(setup.left());
    };
    client.onceClosed(onClose);

    const grpcFamily = wire.protocol !== "connect";
    // Filled by set rather than from a record: the same list, without WebIDL's record conversion.
    const responseHeader = new Headers();
    responseHeader.set("content-type", contentTypeOf(wire));
    if (grpcFamily && compression !== null) responseHeader.set("grpc-encoding", compression.name);
    const responseTrailer = new Headers();
    if (grpcFamily) responseTrailer.set("grpc-status", "0");
    const contextValues: ContextValues = createContextValues();
    contextValues.set(requestInfoKey, info);
    contextValues.set(fastCallKey, {
      context: {
        method,
        service: method.parent,
        requestMethod: "POST",
        protocolName: wire.protocol,
        url,
        timeoutMs: () => (deadline === undefined ? undefined : deadline - Date.now()),
        responseHeader,
        responseTrailer,
      },
    });
    const answer: UnaryAnswer = {
      wire,
      header: responseHeader,
      trailer: responseTrailer,
      compression,
      compressMinBytes: opt.compressMinBytes,
      jsonOptions: opt.jsonOptions,
    };
    const finish = () => {
      clearTimeout(timer);
      inFlight.delete(controller);
      client.offClosed(onClose);
      if (!controller.signal.aborted) controller.abort(ended);
    };
    const request: UnaryRequest = {
      stream: false,
      service: method.parent,
      method,
      requestMethod: "POST",
      url,
      signal: controller.signal,
      header: requestHeader,
      contextValues,
      message: input,
    };
    return { request, answer, finish };
  }

  return fast;
}

// The response content types Connect's own handlers answer with.
function contentTypeOf(wire: UnaryWire): string {
  if (wire.protocol === "grpc") return grpcProto;
  if (wire.protocol === "grpc-web") return grpcWebProto;
  return wire.binary ? contentTypeUnaryProto : contentTypeUnaryJson;
}

// What the call's signal says when the client goes away: the fast path's own reason; for a bridged call
// the reason the bridge's abort gives Connect's handler (an AbortError without a message of its own).
function clientWentAway(): unknown {
  return new ConnectError("the client went away", Code.Canceled);
}

function bridgeClientLeft(): unknown {
  return new DOMException("This operation was aborted", "AbortError");
}

// The headers and trailers an interceptor answered with, when they are not the call's own.
function adopt(response: UnaryResponse, answer: UnaryAnswer): void {
  if (response.header !== answer.header) copyHeaders(response.header, answer.header);
  if (response.trailer !== answer.trailer) copyHeaders(response.trailer, answer.trailer);
}

// Connect's copyHeaders: an interceptor that answered with headers of its own replaces the call's.
function copyHeaders(from: Headers, to: Headers): void {
  for (const name of [...to.keys()]) to.delete(name);
  for (const [name, value] of from) to.set(name, value);
}
