import type { OutgoingHttpHeaders } from "node:http";
import type { NodeReq, NodeRes } from "../../protocol/node-types.ts";
import { leaveBodyUnread } from "./leave-body-unread.ts";
import { readUnaryBody, type UnaryBody } from "./read-unary-body.ts";
import type { BodyPrefix, GenericRoute, UnaryExchange } from "./unary-exchange.ts";

/** A unary exchange on Node's request and response objects (HTTP/1.1, or HTTP/2 through Node's compatibility layer). */
export class CompatExchange implements UnaryExchange {
  readonly #req: NodeReq;
  readonly #res: NodeRes;
  readonly #generic: GenericRoute;

  constructor(req: NodeReq, res: NodeRes, generic: GenericRoute) {
    this.#req = req;
    this.#res = res;
    this.#generic = generic;
  }

  get method() {
    return this.#req.method;
  }

  get headers() {
    return this.#req.headers;
  }

  get http2() {
    return this.#req.httpVersionMajor === 2;
  }

  get url() {
    return this.#req.url;
  }

  get encrypted() {
    const socket = this.#req.socket;
    return "encrypted" in socket && socket.encrypted === true;
  }

  readBody(maxBytes: number): Promise<UnaryBody> {
    return readUnaryBody(this.#req, this.#req.headers, maxBytes);
  }

  leaveBody(): void {
    leaveBodyUnread(this.#req, this.#res);
  }

  handOn(prefix: BodyPrefix): void {
    this.#generic(this.#req, this.#res, prefix);
  }

  onceClosed(listener: () => void): void {
    this.#res.once("close", listener);
  }

  offClosed(listener: () => void): void {
    this.#res.off("close", listener);
  }

  get writableEnded() {
    return this.#res.writableEnded;
  }

  get headersSent() {
    return this.#res.headersSent;
  }

  // The calls the answer was always written with: an answer with trailers as writeHead, write, addTrailers,
  // end; any other as writeHead and end(body) (over HTTP/1.1, the one body gets a content-length).
  send(
    status: number,
    headers: OutgoingHttpHeaders,
    body: Uint8Array | undefined,
    trailers: OutgoingHttpHeaders | undefined,
  ): void {
    const res = this.#res;
    res.writeHead(status, headers);
    if (trailers === undefined) {
      if (body === undefined) res.end();
      else res.end(body);
      return;
    }
    if (body !== undefined) res.write(body);
    res.addTrailers(trailers);
    res.end();
  }
}
