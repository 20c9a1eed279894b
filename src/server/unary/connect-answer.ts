import { Code, ConnectError } from "@connectrpc/connect";
import { mergeNonProtocolHeaders } from "@connectrpc/connect/protocol";
import { codeToHttpStatus, contentTypeUnaryJson, trailerMux } from "@connectrpc/connect/protocol-connect";
import { errorJsonBody } from "./error-json-body.ts";
import type { UnaryAnswer } from "./unary-answer.ts";

/** A Connect unary answer's parts, as Connect's unary handler returns them (trailers muxed in as `trailer-*`). */
export interface ConnectAnswer {
  readonly status: number;
  readonly header: Headers;
  readonly body: Uint8Array;
}

/** What a call failed with, as Connect's handlers answer it: a `ConnectError`, or anything else as INTERNAL. */
export function connectErrorOf(reason: unknown): ConnectError {
  return reason instanceof ConnectError
    ? reason
    : new ConnectError("internal error", Code.Internal, undefined, undefined, reason);
}

/**
 * The status, headers and body of a Connect unary answer, as Connect's unary handler makes them: the
 * message (`message`, serialized), or the error JSON with the error's status and metadata; compressed
 * when a compression is accepted and the body is large enough; trailers muxed into the headers;
 * `content-length` set. `answer.header` is changed in place. A promise only when the body is compressed
 * (an uncompressed answer costs no turn of the event loop's microtasks).
 */
export function connectAnswer(
  answer: UnaryAnswer,
  error: ConnectError | undefined,
  message: Uint8Array | undefined,
): ConnectAnswer | Promise<ConnectAnswer> {
  const { header } = answer;
  let status = 200;
  let body: Uint8Array;
  if (error === undefined) body = message as Uint8Array;
  else {
    status = codeToHttpStatus(error.code);
    header.set("content-type", contentTypeUnaryJson);
    if (!error.isWireError) mergeNonProtocolHeaders(header, error.metadata);
    body = errorJsonBody(error, answer.jsonOptions ?? {});
  }
  const { compression } = answer;
  if (compression !== null && body.byteLength >= answer.compressMinBytes) {
    return compression.compress(body).then((compressed) => {
      header.set("content-encoding", compression.name);
      return muxed(answer, status, compressed);
    });
  }
  return muxed(answer, status, body);
}

function muxed(answer: UnaryAnswer, status: number, body: Uint8Array): ConnectAnswer {
  const { header, trailer } = answer;
  // Without trailers, the headers are answered as they are rather than copied first (Connect's
  // trailerMux copies them): the same headers, as the content type and encoding are set on them above.
  const out = trailer.keys().next().done === true ? header : trailerMux(header, trailer);
  out.set("content-length", String(body.byteLength));
  return { status, header: out, body };
}
