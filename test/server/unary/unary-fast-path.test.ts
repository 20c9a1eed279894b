import http, { type IncomingHttpHeaders } from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { CatalogService, GetConnectorRequestSchema } from "../../../gen/patchbay/v1/catalog_pb.ts";
import type { NodeReq, NodeRes } from "../../../src/protocol/node-types.ts";
import { recordUnaryMethods } from "../../../src/server/unary/recording-router.ts";
import { createUnaryFastPath } from "../../../src/server/unary/unary-fast-path.ts";
import {
  frame,
  gzip,
  h2Request,
  http1Request,
  json,
  GET_CONNECTOR as PATH,
  type RawRequest,
} from "../../wire/raw-wire.ts";

// The fast path on its own, on a real HTTP/1.1 server, with an implementation that shows what a call
// sees: its request headers and its signal. Slugs starting with "wait" hold the call until its signal
// is aborted.

interface Seen {
  readonly slug: string;
  readonly context: HandlerContext;
}

async function start(shutdown: AbortSignal, transport: "http1" | "h2c" = "http1") {
  const seen: Seen[] = [];
  /** Requests the fast path handed to the generic handler (which answers 404 here). */
  let generic = 0;
  const nodeHeaders: IncomingHttpHeaders[] = [];
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
  const server = transport === "http1" ? http.createServer(serve) : http2.createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
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
    close: () => {
      if (server instanceof http.Server) server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
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
