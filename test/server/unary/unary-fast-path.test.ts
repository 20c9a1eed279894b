import http, { type IncomingHttpHeaders } from "node:http";
import http2 from "node:http2";
import net, { type AddressInfo } from "node:net";
import { inspect } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import { describe, expect, it } from "vitest";
import { CatalogService, GetConnectorRequestSchema } from "../../../gen/patchbay/v1/catalog_pb.ts";
import { listen } from "../../../src/protocol/listener.ts";
import type { NodeHandler, NodeReq, NodeRes, StreamHandler } from "../../../src/protocol/node-types.ts";
import { recordUnaryMethods } from "../../../src/server/unary/recording-router.ts";
import {
  type BodyPrefix,
  createUnaryFastPath,
  type GenericRoute,
  type UnaryRoute,
} from "../../../src/server/unary/unary-fast-path.ts";
import {
  frame,
  gzip,
  h2Request,
  http1Request,
  json,
  GET_CONNECTOR as PATH,
  type RawRequest,
} from "../../wire/raw-wire.ts";

// The fast path on its own, on a real HTTP/1.1 server (or h2c: through Node's request objects, or on the
// HTTP/2 stream itself behind the listener's stream hook), with an implementation that shows what a call
// sees: its request headers and its signal. Slugs starting with "wait" hold the call until its signal
// is aborted.

interface Seen {
  readonly slug: string;
  readonly context: HandlerContext;
}

/** Offers each HTTP/2 stream for a fast-path procedure to the fast path, as the app does. */
function streamHook(fast: Map<string, UnaryRoute>): StreamHandler {
  return (stream, headers, rawHeaders, toCompat) => {
    const route = fast.get(headers[":path"] ?? "");
    if (route === undefined || !route.stream(stream, headers, rawHeaders)) toCompat();
  };
}

async function start(shutdown: AbortSignal, transport: "http1" | "h2c" | "h2c-stream" = "http1") {
  const seen: Seen[] = [];
  /** Requests the fast path handed to the generic handler (which answers 404 here). */
  let generic = 0;
  const aborted: { slug: string; reason: unknown }[] = [];
  const { router, methods } = recordUnaryMethods(createConnectRouter({ shutdownSignal: shutdown }));
  router.service(CatalogService, {
    async getConnector(req, context) {
      seen.push({ slug: req.slug, context });
      if (req.slug.startsWith("wait")) {
        await new Promise<void>((resolve) => {
          const done = () => {
            aborted.push({ slug: req.slug, reason: context.signal.reason });
            resolve();
          };
          if (context.signal.aborted) done();
          else context.signal.addEventListener("abort", done, { once: true });
        });
      }
      return {};
    },
  });
  const fast = createUnaryFastPath(methods, {
    router: { shutdownSignal: shutdown },
    maxTimeoutMs: 60_000,
    generic: (_req, res) => {
      generic++;
      res.writeHead(404);
      res.end();
    },
    onWriteError: () => {},
  });
  /** Requests that reached Node's request and response objects. */
  const nodeHeaders: IncomingHttpHeaders[] = [];
  const serve = (req: NodeReq, res: NodeRes) => {
    const handler = fast.get(req.url ?? "");
    if (handler === undefined) {
      res.writeHead(404);
      res.end();
      return;
    }
    nodeHeaders.push(req.headers);
    handler(req, res);
  };
  if (transport === "h2c-stream") {
    const listener = await listen(serve, { host: "127.0.0.1", port: 0, onStream: streamHook(fast) });
    return served(listener.port, () => listener.close(0));
  }
  const server = transport === "http1" ? http.createServer(serve) : http2.createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return served(port, () => {
    if (server instanceof http.Server) server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function served(port: number, close: () => Promise<void>) {
    const call = (slug: string, headers: Record<string, string> = {}) =>
      fetch(`http://127.0.0.1:${port}/patchbay.v1.CatalogService/GetConnector`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ slug }),
      }).then(async (res) => ({ status: res.status, body: await res.text() }));
    return {
      base: `http://127.0.0.1:${port}`,
      generic: () => generic,
      seen,
      nodeHeaders,
      aborted,
      call,
      close,
    };
  }
}

describe("the unary fast path", () => {
  it("gives the call its request headers as Headers, the same as the header object filled in", async () => {
    const server = await start(new AbortController().signal);
    try {
      expect(
        await server.call("one", {
          "X-Request-Id": "req-1",
          authorization: "Bearer k",
          "x-padded": "  v  ",
        }),
      ).toEqual({ status: 200, body: "{}" });
      const [seen] = server.seen;
      const [node] = server.nodeHeaders;
      if (seen === undefined || node === undefined) throw new Error("the call was not seen");
      const header = seen.context.requestHeader;
      expect(header).toBeInstanceOf(Headers);
      expect(header.get("x-request-id")).toBe("req-1");
      expect(header.get("Authorization")).toBe("Bearer k");
      expect(header.get("x-padded")).toBe("v");
      expect(header.has("traceparent")).toBe(false);
      // As the fast path used to build them.
      const oracle = new Headers();
      for (const [name, value] of Object.entries(node))
        if (typeof value === "string") oracle.append(name, value);
      expect([...header]).toEqual([...oracle]);
      expect(inspect(new Headers(header))).toBe(inspect(new Headers(oracle)));
    } finally {
      await server.close();
    }
  });

  it("takes the common shapes itself, and hands a compressed request to the generic handler", async () => {
    const message = toBinary(GetConnectorRequestSchema, create(GetConnectorRequestSchema, { slug: "shape" }));
    const h1 = await start(new AbortController().signal, "http1");
    const h2 = await start(new AbortController().signal, "h2c");
    try {
      const cases: [typeof h1, RawRequest][] = [
        [
          h2,
          {
            path: PATH,
            headers: { "content-type": "application/grpc", te: "trailers" },
            body: frame(message),
          },
        ],
        [h2, { path: PATH, headers: { "content-type": "application/grpc-web+proto" }, body: frame(message) }],
        [h1, { path: PATH, headers: { "content-type": "application/grpc-web" }, body: frame(message) }],
        [h2, { path: PATH, headers: { "content-type": "application/proto" }, body: message }],
        [h1, { path: PATH, headers: { "content-type": "application/json" }, body: json({ slug: "shape" }) }],
      ];
      for (const [server, request] of cases) {
        const send = server === h2 ? h2Request : http1Request;
        const answer = await send(server.base, request);
        expect(answer.status, request.headers["content-type"]).toBe(200);
      }
      expect(h1.generic() + h2.generic()).toBe(0);
      expect(h1.seen.length + h2.seen.length).toBe(cases.length);
      // A gzip-compressed gRPC message is the generic path's to read.
      const compressed = await h2Request(h2.base, {
        path: PATH,
        headers: { "content-type": "application/grpc", te: "trailers", "grpc-encoding": "gzip" },
        body: frame(gzip(message), 1),
      });
      expect(compressed.status).toBe(404);
      expect(h2.generic()).toBe(1);
    } finally {
      await Promise.all([h1.close(), h2.close()]);
    }
  });

  it("aborts the calls in flight with the shutdown's reason, in the order they began, and not those already over", async () => {
    const shutdown = new AbortController();
    const server = await start(shutdown.signal);
    try {
      expect(await server.call("done")).toEqual({ status: 200, body: "{}" });
      const first = server.call("wait-1");
      await expect.poll(() => server.seen.length).toBe(2);
      const second = server.call("wait-2");
      await expect.poll(() => server.seen.length).toBe(3);
      const reason = new ConnectError("shutting down", Code.Unavailable);
      shutdown.abort(reason);
      expect(server.aborted).toEqual([
        { slug: "wait-1", reason },
        { slug: "wait-2", reason },
      ]);
      await Promise.all([first, second]);
      // The call that was over keeps the reason it ended with.
      const done = server.seen[0]?.context.signal;
      expect(done?.aborted).toBe(true);
      expect(done?.reason).toBeInstanceOf(ConnectError);
      expect((done?.reason as ConnectError | undefined)?.rawMessage).toBe("the call ended");
      // A call that begins after the shutdown has its signal aborted from the start.
      await server.call("wait-3");
      expect(server.aborted.at(-1)).toEqual({ slug: "wait-3", reason });
    } finally {
      await server.close();
    }
  });
});

// Bodies past this many bytes are over the router's limit (and the fast path's).
const READ_MAX_BYTES = 64;

/** A body whose first bytes were already read: those, then the rest (the app's replay). */
async function* replay(prefix: BodyPrefix, req: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  yield* prefix.chunks;
  if (!prefix.whole && !prefix.broken) yield* prefix.rest ?? req;
}

/**
 * The fast path with Connect's own handler as its generic path (as the app wires it), or `answer`, on h2c:
 * with the stream hook (`hooked`), or through Node's request objects only, as before the hook.
 */
async function startWithConnect(hooked: boolean, answer?: GenericRoute) {
  const { router, methods } = recordUnaryMethods(createConnectRouter({ readMaxBytes: READ_MAX_BYTES }));
  router.service(CatalogService, { getConnector: (req) => ({ connector: { slug: req.slug } }) });
  const procedures = new Map(router.handlers.map((h) => [h.requestPath, h]));
  /** Whether each request the generic path answered came with body bytes already read. */
  const generic: { readonly prefix: boolean }[] = [];
  /** Requests that reached Node's request handler. */
  let compat = 0;
  const genericRoute: GenericRoute = (req, res, prefix) => {
    generic.push({ prefix: prefix !== undefined });
    if (answer !== undefined) {
      answer(req, res, prefix);
      return;
    }
    const procedure = procedures.get(req.url ?? "");
    if (procedure === undefined) throw new Error(`no procedure at ${req.url}`);
    const uReq = universalRequestFromNodeRequest(req, res, undefined, undefined);
    procedure(prefix === undefined ? uReq : { ...uReq, body: replay(prefix, req) })
      .then((uRes) => universalResponseToNodeResponse(uRes, res))
      .catch(() => {});
  };
  const fast = createUnaryFastPath(methods, {
    router: { readMaxBytes: READ_MAX_BYTES },
    maxTimeoutMs: 60_000,
    generic: genericRoute,
    onWriteError: () => {},
  });
  const handler: NodeHandler = (req, res) => {
    compat++;
    const route = fast.get(req.url ?? "");
    if (route === undefined) {
      res.writeHead(404);
      res.end();
    } else route(req, res);
  };
  const listener = await listen(handler, {
    host: "127.0.0.1",
    port: 0,
    ...(hooked ? { onStream: streamHook(fast) } : {}),
  });
  return {
    base: `http://127.0.0.1:${listener.port}`,
    generic,
    compat: () => compat,
    close: () => listener.close(0),
  };
}

/** One HTTP/2 frame the server sent on the request's stream: its type, flags and payload length. */
interface SeenFrame {
  readonly type: number;
  readonly flags: number;
  readonly length: number;
}

// An HPACK header field as a literal without indexing, the name new and no Huffman coding (RFC 7541 §6.2.2).
function literalField(name: string, value: string): Buffer {
  const n = Buffer.from(name);
  const v = Buffer.from(value);
  if (n.length > 126 || v.length > 126) throw new Error("a field too long for this encoder");
  return Buffer.concat([Buffer.from([0, n.length]), n, Buffer.from([v.length]), v]);
}

function h2Frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}

/**
 * The frames a server sends on stream 1 for one request made by hand on a raw connection, until the stream
 * ends: what the wire carries, below what an HTTP/2 client library shows.
 */
async function streamFrames(port: number, request: RawRequest): Promise<SeenFrame[]> {
  const socket = net.connect(port, "127.0.0.1");
  const fields = [
    literalField(":method", "POST"),
    literalField(":scheme", "http"),
    literalField(":authority", `127.0.0.1:${port}`),
    literalField(":path", request.path),
    ...Object.entries(request.headers).map(([name, value]) => literalField(name, value)),
  ];
  const body = Buffer.concat(
    (request.body instanceof Uint8Array ? [request.body] : (request.body ?? [])).map((b) => Buffer.from(b)),
  );
  socket.write(
    Buffer.concat([
      Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
      h2Frame(0x4, 0, 0, Buffer.alloc(0)), // SETTINGS
      h2Frame(0x1, 0x4, 1, Buffer.concat(fields)), // HEADERS, END_HEADERS
      h2Frame(0x0, 0x1, 1, body), // DATA, END_STREAM
    ]),
  );
  try {
    return await new Promise<SeenFrame[]>((resolve, reject) => {
      const frames: SeenFrame[] = [];
      let buffered = Buffer.alloc(0);
      socket.on("error", reject);
      socket.on("close", () => reject(new Error("the connection closed before the stream ended")));
      socket.on("data", (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 9) {
          const length = buffered.readUIntBE(0, 3);
          if (buffered.length < 9 + length) return;
          const type = buffered[3] as number;
          const flags = buffered[4] as number;
          const streamId = buffered.readUInt32BE(5) & 0x7fffffff;
          buffered = buffered.subarray(9 + length);
          if (type === 0x4 && (flags & 0x1) === 0) socket.write(h2Frame(0x4, 0x1, 0, Buffer.alloc(0)));
          if (streamId !== 1) continue;
          frames.push({ type, flags, length });
          if (flags & 0x1 || type === 0x3) resolve(frames); // END_STREAM, or RST_STREAM
        }
      });
    });
  } finally {
    socket.destroy();
  }
}

describe("the unary fast path on HTTP/2 streams", () => {
  it("answers h2 requests on the stream itself, and hands one it does not take to Node's own handling", async () => {
    const message = toBinary(GetConnectorRequestSchema, create(GetConnectorRequestSchema, { slug: "shape" }));
    const server = await start(new AbortController().signal, "h2c-stream");
    try {
      const requests: RawRequest[] = [
        { path: PATH, headers: { "content-type": "application/grpc", te: "trailers" }, body: frame(message) },
        { path: PATH, headers: { "content-type": "application/grpc-web+proto" }, body: frame(message) },
        { path: PATH, headers: { "content-type": "application/proto" }, body: message },
        { path: PATH, headers: { "content-type": "application/json" }, body: json({ slug: "shape" }) },
      ];
      for (const request of requests) {
        const answer = await h2Request(server.base, request);
        expect(answer.status, request.headers["content-type"]).toBe(200);
      }
      expect(server.seen.length).toBe(requests.length);
      // None of them reached Node's request and response objects, nor the generic path.
      expect(server.nodeHeaders.length).toBe(0);
      expect(server.generic()).toBe(0);
      // A compressed request is declined before reading: Node serves it through its objects as before.
      const compressed = await h2Request(server.base, {
        path: PATH,
        headers: { "content-type": "application/grpc", te: "trailers", "grpc-encoding": "gzip" },
        body: frame(gzip(message), 1),
      });
      expect(compressed.status).toBe(404);
      expect(server.nodeHeaders.length).toBe(1);
      expect(server.generic()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it("answers a body it read but could not take exactly as it did through Node's request objects", async () => {
    const big = toBinary(
      GetConnectorRequestSchema,
      create(GetConnectorRequestSchema, { slug: "b".repeat(3 * READ_MAX_BYTES) }),
    );
    const bigFrame = frame(big);
    const grpc = { "content-type": "application/grpc", te: "trailers" };
    const cases: [string, RawRequest][] = [
      [
        "gRPC over the limit, in chunks",
        {
          path: PATH,
          headers: grpc,
          body: [bigFrame.subarray(0, 40), bigFrame.subarray(40, 90), bigFrame.subarray(90)],
        },
      ],
      [
        "gRPC over the declared limit",
        { path: PATH, headers: { ...grpc, "content-length": String(bigFrame.byteLength) }, body: bigFrame },
      ],
      [
        "gRPC, a malformed message",
        { path: PATH, headers: grpc, body: frame(new Uint8Array([0x0a, 0x7f, 1])) },
      ],
      [
        "gRPC, a cut frame",
        { path: PATH, headers: grpc, body: frame(new Uint8Array([0x0a, 0x01, 0x61]), 0, 9) },
      ],
      [
        "gRPC-Web, a malformed message",
        {
          path: PATH,
          headers: { "content-type": "application/grpc-web" },
          body: frame(new Uint8Array([0xff])),
        },
      ],
      [
        "Connect proto over the limit",
        { path: PATH, headers: { "content-type": "application/proto" }, body: big },
      ],
      [
        "Connect JSON, a wrong field type",
        { path: PATH, headers: { "content-type": "application/json" }, body: json({ slug: 7 }) },
      ],
    ];
    const hooked = await startWithConnect(true);
    const plain = await startWithConnect(false);
    try {
      for (const [name, request] of cases) {
        const [onStream, throughCompat] = await Promise.all([
          h2Request(hooked.base, request),
          h2Request(plain.base, request),
        ]);
        const { date: _a, ...streamHeaders } = onStream.headers;
        const { date: _b, ...compatHeaders } = throughCompat.headers;
        expect({ ...onStream, headers: streamHeaders }, name).toEqual({
          ...throughCompat,
          headers: compatHeaders,
        });
      }
      // Each went to the generic path with the bytes read so far, and none through Node's request handler.
      expect(hooked.generic).toEqual(cases.map(() => ({ prefix: true })));
      expect(hooked.compat()).toBe(0);
      expect(plain.compat()).toBe(cases.length);
    } finally {
      await Promise.all([hooked.close(), plain.close()]);
    }
  });

  it("gives the generic path all of a body over the limit: the bytes read, then the rest of the stream", async () => {
    // Answers with the size of the whole body it read.
    const measure: GenericRoute = (req, res, prefix) => {
      void (async () => {
        let size = 0;
        for await (const chunk of prefix === undefined ? req : replay(prefix, req)) size += chunk.byteLength;
        res.writeHead(413, { "x-body-bytes": String(size) });
        res.end();
      })();
    };
    const chunks = [0, 1, 2, 3, 4, 5].map((i) => new Uint8Array(50_000).fill(i));
    const request = { path: PATH, headers: { "content-type": "application/proto" }, body: chunks };
    const hooked = await startWithConnect(true, measure);
    const plain = await startWithConnect(false, measure);
    try {
      for (const server of [hooked, plain]) {
        const answer = await h2Request(server.base, request);
        expect(answer.status).toBe(413);
        expect(answer.headers["x-body-bytes"]).toBe(String(6 * 50_000));
      }
      expect(hooked.compat()).toBe(0);
    } finally {
      await Promise.all([hooked.close(), plain.close()]);
    }
  });

  it("sends the same frames on the stream as through Node's response object", async () => {
    const message = toBinary(
      GetConnectorRequestSchema,
      create(GetConnectorRequestSchema, { slug: "frames" }),
    );
    const hooked = await startWithConnect(true);
    const plain = await startWithConnect(false);
    try {
      const requests: RawRequest[] = [
        { path: PATH, headers: { "content-type": "application/grpc", te: "trailers" }, body: frame(message) },
        { path: PATH, headers: { "content-type": "application/grpc-web" }, body: frame(message) },
        { path: PATH, headers: { "content-type": "application/proto" }, body: message },
        { path: PATH, headers: { "content-type": "application/json" }, body: json({ slug: "frames" }) },
      ];
      for (const request of requests) {
        const [onStream, throughCompat] = await Promise.all([
          streamFrames(Number(new URL(hooked.base).port), request),
          streamFrames(Number(new URL(plain.base).port), request),
        ]);
        // A HEADERS frame, DATA, and the end of the stream in trailers or an empty DATA frame.
        expect(onStream.length, request.headers["content-type"]).toBeGreaterThanOrEqual(3);
        expect(onStream, request.headers["content-type"]).toEqual(throughCompat);
      }
      // The hooked server answered them all on the stream: none reached Node's request handler.
      expect(hooked.compat()).toBe(0);
      expect(hooked.generic).toEqual([]);
    } finally {
      await Promise.all([hooked.close(), plain.close()]);
    }
  });

  it("aborts a call with CANCELED when its client resets the stream, whatever the reset's code", async () => {
    const server = await start(new AbortController().signal, "h2c-stream");
    const session = http2.connect(server.base);
    try {
      const codes = [http2.constants.NGHTTP2_CANCEL, http2.constants.NGHTTP2_INTERNAL_ERROR];
      for (const [i, code] of codes.entries()) {
        const stream = session.request({
          ":method": "POST",
          ":path": PATH,
          "content-type": "application/json",
        });
        stream.on("error", () => {});
        stream.end(json({ slug: `wait-${i}` }));
        await expect.poll(() => server.seen.length).toBe(i + 1);
        stream.close(code);
        await expect.poll(() => server.aborted.length).toBe(i + 1);
        const reason = server.aborted[i]?.reason;
        expect(reason).toBeInstanceOf(ConnectError);
        expect((reason as ConnectError).code).toBe(Code.Canceled);
        expect((reason as ConnectError).rawMessage).toBe("the client went away");
      }
      // The server is still up and answers on the same connection.
      const answer = await new Promise<number>((resolve, reject) => {
        const stream = session.request({
          ":method": "POST",
          ":path": PATH,
          "content-type": "application/json",
        });
        stream.once("response", (headers) => resolve(Number(headers[":status"])));
        stream.once("error", reject);
        stream.resume();
        stream.end(json({ slug: "after" }));
      });
      expect(answer).toBe(200);
      expect(server.nodeHeaders.length).toBe(0);
    } finally {
      session.close();
      await server.close();
    }
  });
});
