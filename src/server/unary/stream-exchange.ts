import type { OutgoingHttpHeaders } from "node:http";
import http2 from "node:http2";
import type { UnaryBody } from "./read-unary-body.ts";
import { readUnaryBody } from "./read-unary-body.ts";
import { sendOnStream } from "./send-on-stream.ts";
import type { BodyPrefix, GenericRoute, UnaryExchange } from "./unary-exchange.ts";

// Node's compatibility layer listens for stream errors and ignores them (a client's RST_STREAM with an
// error code destroys the stream with an error): unheard, such an error would end the process.
const ignore = () => undefined;

/**
 * A unary exchange on an HTTP/2 stream itself, without Node's compatibility objects. One it has read part
 * of goes to the generic path on request and response objects made for the stream as Node makes them, the
 * only ones made for it (a stream declined before reading goes back to Node, which makes its own, and never
 * comes here).
 */
export class StreamExchange implements UnaryExchange {
  readonly http2 = true;
  readonly #stream: http2.ServerHttp2Stream;
  readonly #headers: http2.IncomingHttpHeaders;
  readonly #rawHeaders: string[];
  readonly #generic: GenericRoute;
  #ended = false;
  #unread = false;

  constructor(
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    rawHeaders: string[],
    generic: GenericRoute,
  ) {
    this.#stream = stream;
    this.#headers = headers;
    this.#rawHeaders = rawHeaders;
    this.#generic = generic;
    // Heard from the start: a call may wait for its key to be checked before its body is read.
    stream.on("error", ignore);
  }

  get method() {
    return this.#headers[":method"];
  }

  get headers() {
    return this.#headers;
  }

  get url() {
    return this.#headers[":path"];
  }

  // What `"encrypted" in req.socket && req.socket.encrypted` says on Node's request object: TLS or not.
  get encrypted() {
    return this.#stream.session?.encrypted === true;
  }

  readBody(maxBytes: number): Promise<UnaryBody> {
    return readUnaryBody(this.#stream, this.#headers, maxBytes);
  }

  leaveBody(): void {
    this.#unread = true;
  }

  handOn(prefix: BodyPrefix): void {
    const stream = this.#stream;
    const req = new http2.Http2ServerRequest(stream, this.#headers, {}, this.#rawHeaders);
    const res = new http2.Http2ServerResponse(stream);
    // The rest of a body over the limit is still in the (paused) stream, not in `req`, which never saw the
    // part already read; read there, without destroying the stream when the reader stops early.
    const rest =
      prefix.whole || prefix.broken
        ? undefined
        : (stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>);
    this.#generic(req, res, rest === undefined ? prefix : { ...prefix, rest });
  }

  onceClosed(listener: () => void): void {
    this.#stream.once("close", listener);
  }

  offClosed(listener: () => void): void {
    this.#stream.off("close", listener);
  }

  get writableEnded() {
    return this.#ended;
  }

  get headersSent() {
    return this.#stream.headersSent;
  }

  send(
    status: number,
    headers: OutgoingHttpHeaders,
    body: Uint8Array | undefined,
    trailers: OutgoingHttpHeaders | undefined,
  ): void {
    this.#ended = true;
    const stream = this.#stream;
    sendOnStream(stream, status, headers, body, trailers);
    // A body left unread: once the answer is complete, the stream is reset with NO_ERROR, which tells the
    // client to stop sending (RFC 9113 §8.1) instead of leaving the stream open with the flow-control
    // window's worth of its body held. Node submits the trailers in an immediate that sendOnStream's
    // listener (registered first) queues; the reset is queued after it, so that it never goes first.
    if (this.#unread) {
      stream.once("wantTrailers", () =>
        setImmediate(() => {
          if (!stream.closed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
        }),
      );
    }
  }
}
