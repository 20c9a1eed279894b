import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";

type Fallback = NonNullable<ConnectNodeAdapterOptions["fallback"]>;
/** A Node HTTP/1.1 or HTTP/2 request, as Connect's Node adapter types it. */
export type NodeReq = Parameters<Fallback>[0];
/** A Node HTTP/1.1 or HTTP/2 response, as Connect's Node adapter types it. */
export type NodeRes = Parameters<Fallback>[1];

/** A request handler that serves both HTTP/1.1 and HTTP/2 requests (what the listener calls). */
export type NodeHandler = (req: NodeReq, res: NodeRes) => void;

/**
 * Sees each HTTP/2 request stream before Node's compatibility layer does: it answers on the stream
 * itself, or calls `toCompat` (once, before reading anything from the stream) to have Node serve it
 * unchanged, as a request/response pair to the {@link NodeHandler}. It must not throw.
 */
export type StreamHandler = (
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  rawHeaders: string[],
  toCompat: () => void,
) => void;
