import type http2 from "node:http2";
import { type GrpcTransportOptions, Http2SessionManager } from "@connectrpc/connect-node";
import { closedError } from "./client-calls.ts";

/** The HTTP/2 session manager a connect-node transport takes, and a way to close it for good. */
export type ClosableSessionManager = NonNullable<GrpcTransportOptions["sessionManager"]> & {
  /** Closes the session and its streams; every later request is refused instead of connecting again. */
  close(): void;
};

/**
 * connect-node's `Http2SessionManager` for one origin, closable: its own `abort()` closes the session but
 * the next request opens a new one, so a request that was on its way when the client closed would leave a
 * session behind (until its 15-minute idle timeout). This one refuses requests once closed, and aborts
 * again after a request that was already waiting for a connection when it closed.
 */
export function createClosableSessionManager(
  baseUrl: string,
  nodeOptions?: http2.ClientSessionOptions | http2.SecureClientSessionOptions,
): ClosableSessionManager {
  const inner = new Http2SessionManager(baseUrl, undefined, nodeOptions);
  let closed = false;
  return {
    authority: inner.authority,
    async request(method, path, headers, options) {
      if (closed) throw closedError();
      const stream = await inner.request(method, path, headers, options);
      if (closed) {
        inner.abort(closedError());
        throw closedError();
      }
      return stream;
    },
    notifyResponseByteRead(stream) {
      inner.notifyResponseByteRead(stream);
    },
    close() {
      closed = true;
      inner.abort(closedError());
    },
  };
}
