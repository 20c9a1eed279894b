import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { performance } from "node:perf_hooks";
import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { compressionNegotiate, type UniversalHandlerOptions } from "@connectrpc/connect/protocol";
import { type KeyPrecheck, type KeyRefusal, keyRefusalKey } from "../../auth/index.ts";
import { clientWentAway } from "../../protocol/client-gone.ts";
import type { NodeReq, NodeRes } from "../../protocol/node-types.ts";
import { timeoutMsOf } from "../edge/clamp-timeout.ts";
import { type BridgedUnary, runBridged } from "./bridged-call.ts";
import { CompatExchange } from "./compat-exchange.ts";
import { type FastMethod, fastMethodOf } from "./fast-method.ts";
import { nodeRequestHeaders } from "./node-request-headers.ts";
import { adopt, createCallOpener } from "./open-call.ts";
import type { UnaryMethod } from "./recording-router.ts";
import { StreamExchange } from "./stream-exchange.ts";
import type { GenericRoute, UnaryExchange } from "./unary-exchange.ts";
import { type UnaryWire, unaryWireOf } from "./unary-wire.ts";
import { writeUnaryAnswer } from "./write-unary-answer.ts";

export type { BridgedRequest, BridgedUnary } from "./bridged-call.ts";
export type { ConnectAnswer } from "./connect-answer.ts";
export type { ClientWatch } from "./open-call.ts";
export type { BodyPrefix, GenericRoute } from "./unary-exchange.ts";

/**
 * Takes an HTTP/2 request stream (true), or declines it before reading anything from it (false), for the
 * caller to hand to Node's compatibility layer. Declined by the answer, not by calling that layer from here:
 * the caller's guard around this call then never sees a throw from under Node's handling, after which it
 * would wrap a stream Node has already wrapped in its request and response objects a second time.
 */
export type StreamTake = (
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  rawHeaders: string[],
) => boolean;

/**
 * The fast path's handler of one procedure: for a request on Node's request and response objects, and, as
 * `stream`, for an HTTP/2 request stream before Node makes those objects.
 */
export interface UnaryRoute {
  (req: NodeReq, res: NodeRes): void;
  readonly stream: StreamTake;
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
  /**
   * Checks a call's API key before its body is read; a call it refuses is answered without reading its
   * body. Without it every body is read first (a router without the auth interceptor).
   */
  readonly keyCheck?: KeyPrecheck | undefined;
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
 * reading it declines, for Node's own handling, and one it has read part of goes to the generic path. The
 * REST bridge's unary calls run through the same pipeline (`bridged`), answered as Connect's handler
 * answers them.
 */
export function createUnaryFastPath(
  methods: readonly UnaryMethod[],
  options: UnaryFastPathOptions,
): Map<string, UnaryRoute> {
  const { generic, maxTimeoutMs, onWriteError, keyCheck } = options;
  const open = createCallOpener(options.router.shutdownSignal);

  const fast = new Map<string, UnaryRoute>();
  for (const method of methods) {
    const entry = fastMethodOf(method, options.router);
    const route = (req: NodeReq, res: NodeRes) => {
      if (!take(entry, new CompatExchange(req, res, generic))) generic(req, res, undefined);
    };
    // Node's compatibility layer answers an `expect` header itself (100-continue, or 417).
    const stream: StreamTake = (stream, headers, rawHeaders) =>
      headers.expect === undefined && take(entry, new StreamExchange(stream, headers, rawHeaders, generic));
    const bridged: BridgedUnary = (request) => runBridged(entry, request, open, maxTimeoutMs);
    const { name, parent } = entry.method;
    fast.set(`/${parent.typeName}/${name}`, Object.assign(route, { stream, bridged }));
  }

  /** Takes the exchange (true), or declines it before reading its body (false). */
  function take(m: FastMethod, ex: UnaryExchange): boolean {
    const start = performance.now();
    const wire = unaryWireOf(ex.method, ex.headers, ex.http2);
    const grpcFamily = wire?.protocol !== "connect";
    const timeoutHeader = ex.headers[grpcFamily ? "grpc-timeout" : "connect-timeout-ms"];
    const timeoutMs =
      typeof timeoutHeader === "string" ? timeoutMsOf(timeoutHeader, grpcFamily, maxTimeoutMs) : null;
    if (wire === undefined || timeoutMs === undefined || Array.isArray(timeoutHeader)) return false;
    const requestHeader = nodeRequestHeaders(ex.headers);
    const timeout = timeoutMs ?? undefined;
    // The key is checked before the body is read: a caller without a valid one cannot make the server
    // hold its body (up to the read limit, on each of the streams it may open).
    const checked = keyCheck?.(m.method, requestHeader);
    if (checked === undefined) read(m, ex, wire, requestHeader, start, timeout);
    else if (checked instanceof Promise) {
      checked.then((refused) => {
        if (refused === undefined) read(m, ex, wire, requestHeader, start, timeout);
        else refuse(m, ex, wire, requestHeader, start, timeout, refused);
      }, onWriteError);
    } else refuse(m, ex, wire, requestHeader, start, timeout, checked);
    return true;
  }

  function read(
    m: FastMethod,
    ex: UnaryExchange,
    wire: UnaryWire,
    requestHeader: Headers,
    start: number,
    timeoutMs: number | undefined,
  ): void {
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
        else run(m, ex, wire, requestHeader, input, start, timeoutMs);
      },
      (error: unknown) => onWriteError(error),
    );
  }

  /**
   * Answers a call whose key was refused, without reading its body (it is discarded once the answer is
   * sent): through the interceptors with an empty input, so that the request log and the auth interceptor
   * answer it as they answer every refused call.
   */
  function refuse(
    m: FastMethod,
    ex: UnaryExchange,
    wire: UnaryWire,
    requestHeader: Headers,
    start: number,
    timeoutMs: number | undefined,
    refused: KeyRefusal,
  ): void {
    ex.leaveBody();
    run(m, ex, wire, requestHeader, create(m.method.input), start, timeoutMs, refused);
  }

  function run(
    m: FastMethod,
    ex: UnaryExchange,
    wire: UnaryWire,
    requestHeader: Headers,
    input: MessageShape<DescMessage>,
    start: number,
    timeoutMs: number | undefined,
    refused?: KeyRefusal,
  ): void {
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
    if (refused !== undefined) call.request.contextValues.set(keyRefusalKey, refused);
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

  return fast;
}
