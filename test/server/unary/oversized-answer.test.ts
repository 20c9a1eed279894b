import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { type ConnectRouter, createConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService, GetConnectorRequestSchema } from "../../../gen/patchbay/v1/catalog_pb.ts";
import { reencodeGrpcMessage } from "../../../src/server/edge/grpc-message-encoding.ts";
import { recordUnaryMethods } from "../../../src/server/unary/recording-router.ts";
import { createUnaryFastPath } from "../../../src/server/unary/unary-fast-path.ts";
import { frame, framesOf, h2Request, type RawAnswer, trailerFrame } from "../../wire/raw-wire.ts";

// An answer larger than the router's writeMaxBytes: the fast path refuses it exactly as Connect's own
// handler does (RESOURCE_EXHAUSTED, the same message), on every wire it takes. Two h2c servers with the same
// limit and implementation, one the fast path alone, one Connect's Node adapter. The fast path spells
// `grpc-message` as the gRPC spec does (the procedure edge's encoding, which the app gives the generic path
// too); Connect's own spelling is re-encoded the same way before comparing.

const WRITE_MAX_BYTES = 60;

function routes(router: ConnectRouter): void {
  router.service(CatalogService, {
    getConnector: (req) => ({ connector: { slug: req.slug, name: "n".repeat(Number(req.slug.slice(1))) } }),
  });
}

async function listen(server: http2.Http2Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("an answer over writeMaxBytes on the fast path", () => {
  let generic = 0;
  const fastServer = http2.createServer();
  const connectServer = http2.createServer(connectNodeAdapter({ routes, writeMaxBytes: WRITE_MAX_BYTES }));
  let fastUrl = "";
  let connectUrl = "";

  beforeAll(async () => {
    const { router, methods } = recordUnaryMethods(createConnectRouter({ writeMaxBytes: WRITE_MAX_BYTES }));
    routes(router);
    const fast = createUnaryFastPath(methods, {
      router: { writeMaxBytes: WRITE_MAX_BYTES },
      maxTimeoutMs: 60_000,
      generic: (_req, res) => {
        generic++;
        res.writeHead(404);
        res.end();
      },
      onWriteError: () => {},
    });
    fastServer.on("request", (req, res) => {
      const handler = fast.get(req.url);
      if (handler === undefined) {
        res.writeHead(404);
        res.end();
      } else handler(req, res);
    });
    [fastUrl, connectUrl] = await Promise.all([listen(fastServer), listen(connectServer)]);
  });

  afterAll(async () => {
    await Promise.all(
      [fastServer, connectServer].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
  });

  const path = "/patchbay.v1.CatalogService/GetConnector";
  // The slug says how long a name the answer carries: "s1" fits the limit, "s80" does not.
  const message = (slug: string) =>
    toBinary(GetConnectorRequestSchema, create(GetConnectorRequestSchema, { slug }));
  const requests = (slug: string) =>
    [
      { headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify({ slug })) },
      { headers: { "content-type": "application/proto" }, body: message(slug) },
      { headers: { "content-type": "application/grpc", te: "trailers" }, body: frame(message(slug)) },
      { headers: { "content-type": "application/grpc-web" }, body: frame(message(slug)) },
    ] as const;
  const comparable = (answer: RawAnswer, spell: (value: string) => string) => {
    const { date: _, ...headers } = answer.headers;
    const respelled = (fields: Record<string, string>) => {
      const message = fields["grpc-message"];
      return message === undefined ? fields : { ...fields, "grpc-message": spell(message) };
    };
    const body = headers["content-type"]?.startsWith("application/grpc-web")
      ? {
          messages: framesOf(answer.body)
            .slice(0, -1)
            .map((f) => [f.flags, Buffer.from(f.data)]),
          trailer: respelled(trailerFrame(answer.body)),
        }
      : Buffer.from(answer.body);
    return { status: answer.status, headers, trailers: respelled(answer.trailers), body };
  };

  it.each(["s1", "s80"])("answers %s as Connect's handler does", async (slug) => {
    for (const request of requests(slug)) {
      const type = request.headers["content-type"];
      const [ours, theirs] = await Promise.all([
        h2Request(fastUrl, { path, ...request }),
        h2Request(connectUrl, { path, ...request }),
      ]);
      expect(
        comparable(ours, (v) => v),
        type,
      ).toEqual(comparable(theirs, reencodeGrpcMessage));
    }
    expect(generic).toBe(0);
  });

  it("says RESOURCE_EXHAUSTED with the size and the limit", async () => {
    const [json] = requests("s80");
    const answer = await h2Request(fastUrl, { path, ...json });
    expect(answer.status).toBe(429);
    const size = Buffer.byteLength(JSON.stringify({ connector: { slug: "s80", name: "n".repeat(80) } }));
    expect(JSON.parse(Buffer.from(answer.body).toString())).toEqual({
      code: "resource_exhausted",
      message: `message size ${size} is larger than configured writeMaxBytes ${WRITE_MAX_BYTES}`,
    });
  });
});
