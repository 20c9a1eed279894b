import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { NodeReq, NodeRes } from "../../protocol/node-types.ts";
import type { UnaryBody } from "./read-unary-body.ts";

/** Body bytes the fast path read before handing a request on. */
export interface BodyPrefix {
  readonly chunks: readonly Uint8Array[];
  /** The chunks are the whole body. */
  readonly whole: boolean;
  /** The client went away while the body was read. */
  readonly broken: boolean;
  /** Where the rest of the body is, when not in the request object (an HTTP/2 stream read directly). */
  readonly rest?: AsyncIterable<Uint8Array> | undefined;
}

/**
 * Where the fast path hands a request it does not take whole: Connect's generic handler, given the body
 * bytes already read (`prefix`) to read first, and whether they are the whole body.
 */
export type GenericRoute = (req: NodeReq, res: NodeRes, prefix: BodyPrefix | undefined) => void;

/**
 * The I/O of one unary exchange, the same to the fast path whether Node's request and response objects
 * carry it (HTTP/1.1) or the HTTP/2 stream itself does.
 */
export interface UnaryExchange {
  readonly method: string | undefined;
  /** Node's parsed request headers (HTTP/2 pseudo-headers included). */
  readonly headers: IncomingHttpHeaders;
  readonly http2: boolean;
  /** The path and query (`req.url`; HTTP/2's `:path`). */
  readonly url: string | undefined;
  /** The request came over TLS, as Connect's Node adapter tells from the request's socket. */
  readonly encrypted: boolean;
  readBody(maxBytes: number): Promise<UnaryBody>;
  /**
   * The body will not be read (the call is refused before it): once the answer is sent, what the client
   * still sends is discarded rather than held.
   */
  leaveBody(): void;
  /** Hands the request, whose body it began to read, to the generic path with the bytes already read. */
  handOn(prefix: BodyPrefix): void;
  /** `listener` is called once when the exchange closes, answered or not (the client may have gone). */
  onceClosed(listener: () => void): void;
  offClosed(listener: () => void): void;
  /** The answer was ended: a close after that is not the client going away. */
  readonly writableEnded: boolean;
  readonly headersSent: boolean;
  /**
   * Sends the whole answer: the status and headers, the body, and `trailers` when given (gRPC). Once the
   * client has gone, nothing is sent and nothing thrown.
   */
  send(
    status: number,
    headers: OutgoingHttpHeaders,
    body: Uint8Array | undefined,
    trailers: OutgoingHttpHeaders | undefined,
  ): void;
}
