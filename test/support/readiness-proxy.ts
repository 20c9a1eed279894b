import http2 from "node:http2";
import { type Listener, listen } from "../../src/protocol/listener.ts";
import type { NodeHandler } from "../../src/protocol/node-types.ts";

/** Options for {@link startReadinessProxy}. */
export interface ReadinessProxyOptions {
  /** How often each backend's /readyz is polled, in milliseconds. Default 100. */
  pollMs?: number;
}

/** A load balancer on loopback in front of Patchbay replicas (see {@link startReadinessProxy}). */
export interface ReadinessProxy {
  readonly url: string;
  /** Starts polling a backend (`http://127.0.0.1:<port>`); it gets traffic once its /readyz answers 200. */
  add(backend: string): void;
  /** Stops polling a backend and sending it anything. */
  remove(backend: string): void;
  /** The backends whose last /readyz answered 200. */
  ready(): string[];
  /** Requests sent to each backend so far. */
  readonly routed: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

// Connection-specific headers (RFC 9113 §8.2.2) and pseudo-headers are the proxy's own on each side.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "host",
  "http2-settings",
]);

function forwardable(headers: Record<string, unknown>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(":") || HOP_BY_HOP.has(name) || value === undefined) continue;
    if (name === "te" && value !== "trailers") continue;
    out[name] = value as string | string[];
  }
  return out;
}

/**
 * A small HTTP load balancer, as one in front of Patchbay behaves: it accepts HTTP/1.1 and h2c on one
 * loopback port, polls each backend's /readyz, and sends each new request to the next backend (round
 * robin) whose last answer was 200, over h2c (one HTTP/2 connection per backend, as Envoy and nginx's
 * grpc_pass do). Trailers pass through, so gRPC works. It never retries: a failed request is the client's
 * to see. No ready backend: 503.
 */
export async function startReadinessProxy(options: ReadinessProxyOptions = {}): Promise<ReadinessProxy> {
  const pollMs = options.pollMs ?? 100;
  const backends = new Map<string, { ready: boolean; timer: NodeJS.Timeout | undefined }>();
  const sessions = new Map<string, http2.ClientHttp2Session>();
  const routed = new Map<string, number>();
  let next = 0;

  /** The backend's HTTP/2 connection; a new one once the last has been told to go away or has closed. */
  function session(backend: string): http2.ClientHttp2Session {
    const open = sessions.get(backend);
    if (open !== undefined && !open.closed && !open.destroyed) return open;
    const fresh = http2.connect(backend);
    const forget = () => {
      if (sessions.get(backend) === fresh) sessions.delete(backend);
    };
    fresh.on("goaway", forget);
    fresh.on("close", forget);
    fresh.on("error", forget);
    sessions.set(backend, fresh);
    return fresh;
  }

  const handler: NodeHandler = (req, anyRes) => {
    // Both response kinds have these; their overloads just do not unify.
    const res = anyRes as http2.Http2ServerResponse;
    const ready = [...backends.entries()].filter(([, b]) => b.ready).map(([url]) => url);
    if (ready.length === 0) {
      res.writeHead(503, { "content-type": "text/plain" });
      res.end("no ready backend");
      return;
    }
    const backend = ready[next++ % ready.length] as string;
    routed.set(backend, (routed.get(backend) ?? 0) + 1);
    const upstream = session(backend).request({
      ...forwardable(req.headers),
      ":method": req.method ?? "GET",
      ":path": req.url ?? "/",
      ":scheme": "http",
      ":authority": new URL(backend).host,
    });
    const downstreamH2 = req.httpVersionMajor === 2;
    upstream.on("response", (headers) => {
      res.writeHead(Number(headers[":status"] ?? 502), forwardable(headers));
      upstream.pipe(res);
    });
    upstream.on("trailers", (trailers) => {
      if (downstreamH2) res.addTrailers(forwardable(trailers));
    });
    upstream.on("error", () => {
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end("backend failed");
      } else res.destroy();
    });
    req.pipe(upstream);
    res.on("close", () => {
      if (!upstream.closed) upstream.close(http2.constants.NGHTTP2_CANCEL);
    });
  };

  function poll(backend: string): void {
    const state = backends.get(backend);
    if (state === undefined) return;
    fetch(`${backend}/readyz`, { signal: AbortSignal.timeout(2000) })
      .then(
        async (response) => {
          await response.arrayBuffer();
          return response.status === 200;
        },
        () => false,
      )
      .then((ok) => {
        const current = backends.get(backend);
        if (current !== state) return;
        state.ready = ok;
        state.timer = setTimeout(() => poll(backend), pollMs);
      });
  }

  function remove(backend: string): void {
    clearTimeout(backends.get(backend)?.timer);
    backends.delete(backend);
    sessions.get(backend)?.close();
    sessions.delete(backend);
  }

  const listener: Listener = await listen(handler, { port: 0, host: "127.0.0.1" });
  return {
    url: `http://127.0.0.1:${listener.port}`,
    routed,
    add(backend) {
      if (backends.has(backend)) return;
      backends.set(backend, { ready: false, timer: undefined });
      poll(backend);
    },
    remove,
    ready: () => [...backends.entries()].filter(([, b]) => b.ready).map(([url]) => url),
    async close() {
      for (const backend of [...backends.keys()]) remove(backend);
      await listener.close(1000);
    },
  };
}
