import type { OutgoingHttpHeaders } from "node:http";
import type { JsonWriteOptions } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { type Compression, envelopeCompress, mergeNonProtocolHeaders } from "@connectrpc/connect/protocol";
import { codeToHttpStatus, contentTypeUnaryJson, trailerMux } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { reencodeGrpcMessageIn } from "../edge/grpc-message-encoding.ts";
import { type Envelope, envelopeBody } from "./envelope-body.ts";
import { errorJsonBody } from "./error-json-body.ts";
import type { UnaryExchange } from "./unary-exchange.ts";
import type { UnaryWire } from "./unary-wire.ts";

/** One unary answer's parts, as the call left them. */
export interface UnaryAnswer {
  readonly wire: UnaryWire;
  /** The response headers (content type and encoding set when the call began) and trailers. */
  readonly header: Headers;
  readonly trailer: Headers;
  /** The response compression the client accepts, if any. */
  readonly compression: Compression | null;
  /** Messages this size or larger are compressed (when a compression is accepted). */
  readonly compressMinBytes: number;
  readonly jsonOptions: Partial<JsonWriteOptions> | undefined;
}

function nodeHeaders(header: Headers): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  header.forEach((value, name) => {
    out[name] = name === "set-cookie" ? header.getSetCookie() : value;
  });
  return out;
}

/** A message envelope, compressed as the answer's compression says (Connect's own function). */
function messageEnvelope(answer: UnaryAnswer, message: Uint8Array): Promise<Envelope> {
  return envelopeCompress({ flags: 0, data: message }, answer.compression, answer.compressMinBytes);
}

/**
 * Sends a unary call's answer on `exchange`, byte for byte as Connect's own handlers and Node adapter write it
 * (with the procedure edge's spec encoding of `grpc-message`): gRPC as headers, one message and trailers;
 * gRPC-Web as headers and a body of the message and the trailer frame; Connect as a status, headers
 * (trailers muxed in as `trailer-*`) and the message or error JSON. `message` is the serialized output,
 * or undefined when the call failed with `error`.
 */
export async function writeUnaryAnswer(
  exchange: Pick<UnaryExchange, "send">,
  answer: UnaryAnswer,
  outcome: { readonly message: Uint8Array } | { readonly error: unknown },
): Promise<void> {
  const { wire, header, trailer } = answer;
  const error =
    "error" in outcome
      ? outcome.error instanceof ConnectError
        ? outcome.error
        : new ConnectError("internal error", Code.Internal, undefined, undefined, outcome.error)
      : undefined;
  const message = "message" in outcome ? outcome.message : undefined;
  // gRPC and gRPC-Web carry an error in the trailers, its message encoded as the spec says.
  if (error !== undefined && wire.protocol !== "connect") {
    setTrailerStatus(trailer, error);
    reencodeGrpcMessageIn(trailer);
  }
  switch (wire.protocol) {
    case "grpc": {
      const body = message === undefined ? undefined : envelopeBody(await messageEnvelope(answer, message));
      exchange.send(200, nodeHeaders(header), body, nodeHeaders(trailer));
      return;
    }
    case "grpc-web": {
      const body = envelopeBody(
        message === undefined ? undefined : await messageEnvelope(answer, message),
        trailer,
      );
      exchange.send(200, nodeHeaders(header), body, undefined);
      return;
    }
    case "connect": {
      let status = 200;
      let body: Uint8Array;
      if (error === undefined) body = message as Uint8Array;
      else {
        status = codeToHttpStatus(error.code);
        header.set("content-type", contentTypeUnaryJson);
        if (!error.isWireError) mergeNonProtocolHeaders(header, error.metadata);
        body = errorJsonBody(error, answer.jsonOptions ?? {});
      }
      if (answer.compression !== null && body.byteLength >= answer.compressMinBytes) {
        body = await answer.compression.compress(body);
        header.set("content-encoding", answer.compression.name);
      }
      // Without trailers, the headers are answered as they are rather than copied first (Connect's
      // trailerMux copies them): the same headers, as the content type and encoding are set on them above.
      const muxed = trailer.keys().next().done === true ? header : trailerMux(header, trailer);
      muxed.set("content-length", String(body.byteLength));
      exchange.send(status, nodeHeaders(muxed), body, undefined);
      return;
    }
  }
}
