import type { OutgoingHttpHeaders } from "node:http";
import type { ServerHttp2Stream } from "node:http2";

// Node's compatibility layer always responds so, whether or not the answer has trailers.
const RESPOND = Object.freeze({ waitForTrailers: true });
const NO_TRAILERS: OutgoingHttpHeaders = Object.freeze({});

/**
 * Answers on an HTTP/2 stream with the frames Node's compatibility layer sends for `writeHead(status,
 * headers)`, the body and `end()` (with `addTrailers(trailers)` before it): one HEADERS frame (`:status`,
 * the headers in their order, `date`), the body in DATA, then the trailers — or, without any, the empty
 * DATA frame that ends the stream in their place, as that layer always asks for trailers. Like that layer,
 * it drops a `connection` header (HTTP/2 forbids it; `stream.respond` would throw), and sends nothing,
 * throwing nothing, once the stream is closed or destroyed (the client went away). `headers` is taken over.
 */
export function sendOnStream(
  stream: ServerHttp2Stream,
  status: number,
  headers: OutgoingHttpHeaders,
  body: Uint8Array | undefined,
  trailers: OutgoingHttpHeaders = NO_TRAILERS,
): void {
  if (stream.destroyed || stream.closed) return;
  if (headers.connection !== undefined && headers.connection !== "trailers") delete headers.connection;
  // Last, as the compatibility layer sets it (pseudo-headers go first on the wire either way).
  headers[":status"] = status;
  stream.respond(headers, RESPOND);
  stream.once("wantTrailers", () => stream.sendTrailers(trailers));
  stream.end(body);
}
