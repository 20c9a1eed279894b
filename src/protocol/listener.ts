import { readFileSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { Duplex } from "node:stream";
import type { NodeHandler, StreamHandler } from "./node-types.ts";

/** Options for {@link listen}. */
export interface ListenOptions {
  port: number;
  host: string;
  /** PEM files; with them the port speaks TLS and picks h2 or http/1.1 by ALPN. */
  tls?: { certFile: string; keyFile: string } | undefined;
  /** A connection that sends nothing for this long is closed, as is an HTTP/2 one that opens no stream. */
  idleTimeoutMs?: number;
  /** An HTTP/2 session quiet for this long is closed (ten times `idleTimeoutMs`). */
  sessionIdleTimeoutMs?: number;
  /** Sees every HTTP/2 request stream first (HTTP/1.1 requests go to the handler as they are). */
  onStream?: StreamHandler | undefined;
}

/** A listening port. */
export interface Listener {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** `http` or `https`, for building URLs. */
  readonly scheme: "http" | "https";
  /**
   * Stops accepting connections, asks open ones to finish (HTTP/2 GOAWAY, HTTP/1.1 `Connection: close`),
   * resolves when all are gone, and destroys whatever is left after `graceMs`.
   */
  close(graceMs: number): Promise<void>;
}

// Every HTTP/2 connection without TLS starts with this preface (RFC 9113 §3.4); HTTP/1.1 starts with a
// method name, and no method begins with "PRI".
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/**
 * Serves `handler` on one port for every protocol: cleartext HTTP/1.1 and HTTP/2 (h2c, prior knowledge)
 * told apart by the first bytes, or TLS with ALPN. Node's `http2.createServer({allowHTTP1})` alone does not
 * serve HTTP/1.1 without TLS, hence the sniffing.
 */
export async function listen(handler: NodeHandler, options: ListenOptions): Promise<Listener> {
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const sockets = new Set<Duplex>();
  const sessions = new Set<http2.Http2Session>();
  const h2Options: http2.ServerOptions = { settings: { maxConcurrentStreams: 1000 } };
  let front: net.Server;
  let h1: http.Server | undefined;
  let h2: http2.Http2Server | http2.Http2SecureServer;
  let draining = false;
  // Set before the handler runs (a handler may answer synchronously); HTTP/2 forbids a connection header.
  const serve: NodeHandler = (req, res) => {
    if (draining && req.httpVersionMajor === 1) res.setHeader("connection", "close");
    handler(req, res);
  };

  if (options.tls) {
    h2 = http2.createSecureServer(
      {
        ...h2Options,
        cert: readFileSync(options.tls.certFile),
        key: readFileSync(options.tls.keyFile),
        allowHTTP1: true,
      },
      serve,
    );
    front = h2 as unknown as net.Server;
  } else {
    h1 = http.createServer({ keepAliveTimeout: 5_000 }, serve);
    h2 = http2.createServer(h2Options, serve);
    const h1Server = h1;
    const h2Server = h2;
    front = net.createServer({ noDelay: true }, (socket) => {
      let seen = Buffer.alloc(0);
      socket.setTimeout(idleTimeoutMs, () => socket.destroy());
      const onData = (chunk: Buffer) => {
        seen = Buffer.concat([seen, chunk]);
        const n = Math.min(seen.length, H2_PREFACE.length);
        const isH2 = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
        if (isH2 && seen.length < H2_PREFACE.length) return; // wait for the rest of the preface
        socket.off("data", onData);
        socket.pause();
        socket.setTimeout(0);
        socket.unshift(seen);
        if (isH2) {
          h2Server.emit("connection", socket);
        } else {
          h1Server.emit("connection", socket);
          // The HTTP/1 parser reads in flowing mode; HTTP/2 must not be resumed here (it breaks h2c).
          socket.resume();
        }
      };
      socket.on("data", onData);
      socket.on("error", () => socket.destroy());
    });
  }
  if (options.onStream !== undefined) hookStreams(h2, options.onStream);
  front.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  h2.on("session", (session: http2.Http2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    session.setTimeout(options.sessionIdleTimeoutMs ?? idleTimeoutMs * 10, () => session.close());
    // A session that opens no stream within the idle timeout is closed, as an idle connection is: the
    // preface and its settings alone hold nothing open for ten times as long.
    const unused = setTimeout(() => session.close(), idleTimeoutMs);
    unused.unref();
    session.once("stream", () => clearTimeout(unused));
    session.once("close", () => clearTimeout(unused));
    if (draining) session.close();
  });

  await new Promise<void>((resolve, reject) => {
    front.once("error", reject);
    front.listen(options.port, options.host, () => {
      front.off("error", reject);
      resolve();
    });
  });
  const address = front.address() as net.AddressInfo;
  // The inner HTTP/1 server never listens itself; "listening" starts its connection tracking (used by
  // closeIdleConnections) and its headers/request timeout checks (slowloris protection).
  h1?.emit("listening");
  // http2's secure server has closeIdleConnections at run time (for allowHTTP1 connections), not in its types.
  const idleServer = (h1 ?? h2) as unknown as { closeIdleConnections?: () => void };

  return {
    port: address.port,
    scheme: options.tls ? "https" : "http",
    async close(graceMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => front.close(() => resolve()));
      for (const session of sessions) session.close();
      idleServer.closeIdleConnections?.();
      // Stops the inner server's connection-check timer; it was never bound, so "not running" is expected.
      h1?.close(() => undefined);
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
        for (const session of sessions) session.destroy();
      }, graceMs);
      timer.unref();
      const idle = setInterval(() => idleServer.closeIdleConnections?.(), 50);
      try {
        await closed;
      } finally {
        clearTimeout(timer);
        clearInterval(idle);
      }
    },
  };
}

/**
 * Puts `onStream` in front of Node's compatibility layer on `server`. `http2.createServer(options,
 * handler)` serves requests through one 'stream' listener of Node's own (it builds the request and
 * response objects and emits 'request', answering CONNECT and `expect` itself); that listener is taken off
 * and called only when `onStream` hands a stream on, so a declined stream is served exactly as before. There
 * must be exactly that one listener: if a Node version installed none or more, streams would go unserved or
 * be served twice, so the port refuses to start instead.
 */
function hookStreams(server: http2.Http2Server | http2.Http2SecureServer, onStream: StreamHandler): void {
  const listeners = server.listeners("stream");
  const compat = listeners[0];
  if (listeners.length !== 1 || compat === undefined)
    throw new Error(`expected Node's one HTTP/2 compatibility listener, found ${listeners.length}`);
  server.off("stream", compat as (...args: unknown[]) => void);
  server.on(
    "stream",
    (
      stream: http2.ServerHttp2Stream,
      headers: http2.IncomingHttpHeaders,
      flags: number,
      rawHeaders: string[],
    ) => onStream(stream, headers, rawHeaders, () => compat.call(server, stream, headers, flags, rawHeaders)),
  );
}
