import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ContextValues,
  createContextValues,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import type { Compression } from "@connectrpc/connect/protocol";
import { contentTypeUnaryJson, contentTypeUnaryProto } from "@connectrpc/connect/protocol-connect";
import { contentTypeProto as grpcProto } from "@connectrpc/connect/protocol-grpc";
import { contentTypeProto as grpcWebProto } from "@connectrpc/connect/protocol-grpc-web";
import { createAbortFanOut } from "../../protocol/abort-fan-out.ts";
import { REQUEST_ID_HEADER } from "../../protocol/headers.ts";
import { type RequestInfo, requestIdFrom, requestInfoKey } from "../../protocol/request-info.ts";
import { type FastMethod, fastCallKey } from "./fast-method.ts";
import type { UnaryAnswer } from "./unary-answer.ts";
import type { UnaryExchange } from "./unary-exchange.ts";
import type { UnaryWire } from "./unary-wire.ts";

/** Where a call learns that its client went away: the exchange's close, before or after the answer ended. */
export type ClientWatch = Pick<UnaryExchange, "onceClosed" | "offClosed" | "writableEnded">;

/** What one call is begun with. */
export interface CallSetup {
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

/** One begun call: the request the interceptor chain is given, its answer's parts, and what ends it. */
export interface OpenCall {
  readonly request: UnaryRequest;
  readonly answer: UnaryAnswer;
  /** Ends what the call holds (its deadline timer, its shutdown and client watches, its signal). */
  readonly finish: () => void;
}

/** Begins one call of a method with its decoded input. */
export type CallOpener = (m: FastMethod, input: MessageShape<DescMessage>, setup: CallSetup) => OpenCall;

/**
 * Makes the function that begins the fast path's calls. A finished call's signal is aborted with one frozen
 * reason (Connect aborts it too, so that work a call left behind stops); the calls in flight are aborted
 * with the shutdown's reason, in the order they began, when `shutdown` aborts, by one listener for all of
 * them (the abort fan-out). The client going away is watched on the exchange's close, not on a signal: an
 * AbortSignal listener is costly to add and remove per call.
 */
export function createCallOpener(shutdown: AbortSignal | undefined): CallOpener {
  const ended = Object.freeze(new ConnectError("the call ended", Code.Canceled));
  const stopping = createAbortFanOut(shutdown);

  // Begins one call: its signal (deadline, shutdown, the client going away), its context and answer
  // headers, and the request the interceptor chain is given; `finish` ends what the call holds.
  return function open(m: FastMethod, input: MessageShape<DescMessage>, setup: CallSetup): OpenCall {
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
    const unlink = stopping.link(controller);
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
      unlink();
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
  };
}

// The response content types Connect's own handlers answer with.
function contentTypeOf(wire: UnaryWire): string {
  if (wire.protocol === "grpc") return grpcProto;
  if (wire.protocol === "grpc-web") return grpcWebProto;
  return wire.binary ? contentTypeUnaryProto : contentTypeUnaryJson;
}

// The headers and trailers an interceptor answered with, when they are not the call's own.
export function adopt(response: UnaryResponse, answer: UnaryAnswer): void {
  if (response.header !== answer.header) copyHeaders(response.header, answer.header);
  if (response.trailer !== answer.trailer) copyHeaders(response.trailer, answer.trailer);
}

// Connect's copyHeaders: an interceptor that answered with headers of its own replaces the call's.
function copyHeaders(from: Headers, to: Headers): void {
  for (const name of [...to.keys()]) to.delete(name);
  for (const [name, value] of from) to.set(name, value);
}
