import type { OutgoingHttpHeaders } from "node:http";
import { envelopeCompress } from "@connectrpc/connect/protocol";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { reencodeGrpcMessageIn } from "../edge/grpc-message-encoding.ts";
import { connectAnswer, connectErrorOf } from "./connect-answer.ts";
import { type Envelope, envelopeBody } from "./envelope-body.ts";
import type { UnaryAnswer } from "./unary-answer.ts";
import type { UnaryExchange } from "./unary-exchange.ts";

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
  const error = "error" in outcome ? connectErrorOf(outcome.error) : undefined;
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
      const parts = connectAnswer(answer, error, message);
      const { status, header: muxed, body } = parts instanceof Promise ? await parts : parts;
      exchange.send(status, nodeHeaders(muxed), body, undefined);
      return;
    }
  }
}
