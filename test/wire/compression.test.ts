import { brotliCompressSync, brotliDecompressSync } from "node:zlib";
import { fromBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import {
  compressionGzip,
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecuteResponseSchema, ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { bearer, grpc, loadPatchbayProtos, unary } from "../support/grpc-js-client.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import {
  connectJsonHeaders,
  EXECUTE,
  echoJson,
  echoRequest,
  executeBytes,
  frame,
  framesOf,
  grpcHeaders,
  grpcWebHeaders,
  gunzip,
  gzip,
  h2Request,
  http1Request,
  text,
  trailerFrame,
} from "./raw-wire.ts";

// Compression on the wire, per protocol: request compression (grpc-encoding, Content-Encoding for Connect
// unary), the response's negotiation (grpc-accept-encoding, Accept-Encoding), encodings the server does
// not support, and a compressed flag without an encoding. Responses under 1 KiB are never compressed
// (Connect's compressMinBytes), so the responses meant to be compressed echo a 3,000-character message.

const LONG = "x".repeat(3000);
const UNSUPPORTED = "the request's compression is not supported (use gzip or br)";

describe("compression over the wire", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** The echoed message of an ExecuteResponse in protobuf binary. */
  const echoed = (data: Uint8Array) => fromBinary(ExecuteResponseSchema, data).payload?.message;

  describe("gRPC", () => {
    const call = (headers: Record<string, string>, body: Uint8Array) =>
      h2Request(t.url, { path: EXECUTE, headers: { ...grpcHeaders(t.adminKey), ...headers }, body });

    it("reads a gzip-compressed request and answers with the request's encoding when no other is asked", async () => {
      const answer = await call({ "grpc-encoding": "gzip" }, frame(gzip(executeBytes(echoRequest("hi"))), 1));
      expect(answer.status).toBe(200);
      expect(answer.headers["grpc-encoding"]).toBe("gzip");
      expect(answer.trailers["grpc-status"]).toBe("0");
      const [message, ...rest] = framesOf(answer.body);
      expect(rest).toEqual([]);
      // A small answer is sent uncompressed (flag 0) even under grpc-encoding: gzip.
      expect(message?.flags).toBe(0);
      expect(echoed(message?.data ?? new Uint8Array())).toBe("hi");
    });

    it("reads a brotli-compressed request", async () => {
      const compressed = new Uint8Array(brotliCompressSync(executeBytes(echoRequest("hi"))));
      const answer = await call({ "grpc-encoding": "br" }, frame(compressed, 1));
      expect(answer.headers["grpc-encoding"]).toBe("br");
      expect(answer.trailers["grpc-status"]).toBe("0");
      expect(echoed(framesOf(answer.body)[0]?.data ?? new Uint8Array())).toBe("hi");
    });

    it("reads an uncompressed frame of a request that names gzip", async () => {
      const answer = await call({ "grpc-encoding": "gzip" }, frame(executeBytes(echoRequest("hi")), 0));
      expect(answer.trailers["grpc-status"]).toBe("0");
      expect(echoed(framesOf(answer.body)[0]?.data ?? new Uint8Array())).toBe("hi");
    });

    it("compresses a large answer with the first supported encoding of grpc-accept-encoding", async () => {
      const gz = await call({ "grpc-accept-encoding": "gzip" }, frame(executeBytes(echoRequest(LONG))));
      expect(gz.headers["grpc-encoding"]).toBe("gzip");
      const [gzFrame] = framesOf(gz.body);
      expect(gzFrame?.flags).toBe(1);
      expect(echoed(gunzip(gzFrame?.data ?? new Uint8Array()))).toBe(LONG);

      const br = await call({ "grpc-accept-encoding": "snappy, br" }, frame(executeBytes(echoRequest(LONG))));
      expect(br.headers["grpc-encoding"]).toBe("br");
      const [brFrame] = framesOf(br.body);
      expect(brFrame?.flags).toBe(1);
      expect(echoed(new Uint8Array(brotliDecompressSync(brFrame?.data ?? new Uint8Array())))).toBe(LONG);
    });

    it("answers uncompressed when grpc-accept-encoding names only identity", async () => {
      const answer = await call(
        { "grpc-accept-encoding": "identity" },
        frame(executeBytes(echoRequest(LONG))),
      );
      expect(answer.headers["grpc-encoding"]).toBeUndefined();
      const [message] = framesOf(answer.body);
      expect(message?.flags).toBe(0);
      expect(echoed(message?.data ?? new Uint8Array())).toBe(LONG);
    });

    it("refuses an unsupported grpc-encoding with UNIMPLEMENTED, compressed frame or not", async () => {
      for (const flags of [1, 0]) {
        const answer = await call(
          { "grpc-encoding": "snappy" },
          frame(executeBytes(echoRequest("hi")), flags),
        );
        expect(answer.status).toBe(200);
        expect(answer.body.byteLength).toBe(0);
        expect(answer.headers["content-type"]).toBe("application/grpc+proto");
        expect(answer.trailers).toMatchObject({ "grpc-status": "12", "grpc-message": UNSUPPORTED });
      }
    });

    it("refuses a compressed frame without an encoding with INVALID_ARGUMENT", async () => {
      for (const encoding of [{}, { "grpc-encoding": "identity" }]) {
        const answer = await call(encoding, frame(executeBytes(echoRequest("hi")), 1));
        expect(answer.status).toBe(200);
        expect(answer.body.byteLength).toBe(0);
        expect(answer.trailers).toMatchObject({
          "grpc-status": "3",
          "grpc-message": "the request could not be decoded",
        });
      }
    });

    it("refuses a frame that is not gzip under grpc-encoding: gzip with INVALID_ARGUMENT", async () => {
      const answer = await call({ "grpc-encoding": "gzip" }, frame(executeBytes(echoRequest("hi")), 1));
      expect(answer.trailers).toMatchObject({
        "grpc-status": "3",
        "grpc-message": "the request could not be decoded",
      });
    });
  });

  // gRPC-Web and Connect unary are served over HTTP/1.1 and h2c alike.
  const versions = [
    ["HTTP/1.1", http1Request],
    ["h2c", h2Request],
  ] as const;

  describe.each(versions)("gRPC-Web over %s", (_, send) => {
    const call = (headers: Record<string, string>, body: Uint8Array) =>
      send(t.url, { path: EXECUTE, headers: { ...grpcWebHeaders(t.adminKey), ...headers }, body });

    it("reads a gzip request and compresses a large answer, with an uncompressed trailer frame", async () => {
      const answer = await call(
        { "grpc-encoding": "gzip", "grpc-accept-encoding": "gzip" },
        frame(gzip(executeBytes(echoRequest(LONG))), 1),
      );
      expect(answer.status).toBe(200);
      expect(answer.headers["grpc-encoding"]).toBe("gzip");
      const [message, trailer, ...rest] = framesOf(answer.body);
      expect(rest).toEqual([]);
      expect(message?.flags).toBe(1);
      expect(echoed(gunzip(message?.data ?? new Uint8Array()))).toBe(LONG);
      expect(trailer?.flags).toBe(0x80);
      expect(text(trailer?.data ?? new Uint8Array())).toBe("grpc-status: 0\r\n");
    });

    it("refuses an unsupported grpc-encoding with UNIMPLEMENTED in the trailer frame", async () => {
      const answer = await call({ "grpc-encoding": "snappy" }, frame(executeBytes(echoRequest("hi")), 1));
      expect(answer.status).toBe(200);
      expect(framesOf(answer.body)).toHaveLength(1);
      expect(trailerFrame(answer.body)).toEqual({ "grpc-status": "12", "grpc-message": UNSUPPORTED });
    });

    it("refuses a compressed frame without an encoding with INVALID_ARGUMENT", async () => {
      const answer = await call({}, frame(executeBytes(echoRequest("hi")), 1));
      expect(trailerFrame(answer.body)).toEqual({
        "grpc-status": "3",
        "grpc-message": "the request could not be decoded",
      });
    });
  });

  describe.each(versions)("Connect unary over %s", (_, send) => {
    const call = (headers: Record<string, string>, body: Uint8Array) =>
      send(t.url, {
        path: EXECUTE,
        headers: { ...connectJsonHeaders(t.adminKey), ...headers },
        body,
      });
    const body = (message: string) => new TextEncoder().encode(echoJson(message));

    it("reads a gzip request body (Content-Encoding) and answers in it when Accept-Encoding is absent", async () => {
      const answer = await call({ "content-encoding": "gzip" }, gzip(echoJson(LONG)));
      expect(answer.status).toBe(200);
      expect(answer.headers["content-encoding"]).toBe("gzip");
      expect(JSON.parse(text(gunzip(answer.body)))).toMatchObject({ payload: { message: LONG } });
    });

    it("compresses a large answer with the first supported name of Accept-Encoding", async () => {
      const gz = await call({ "accept-encoding": "gzip" }, body(LONG));
      expect(gz.headers["content-encoding"]).toBe("gzip");
      expect(JSON.parse(text(gunzip(gz.body)))).toMatchObject({ payload: { message: LONG } });

      const br = await call({ "accept-encoding": "br" }, body(LONG));
      expect(br.headers["content-encoding"]).toBe("br");
      expect(JSON.parse(text(new Uint8Array(brotliDecompressSync(br.body))))).toMatchObject({
        payload: { message: LONG },
      });
    });

    it("reads Accept-Encoding names literally: `gzip;q=1.0, br` answers br", async () => {
      const answer = await call({ "accept-encoding": "gzip;q=1.0, br" }, body(LONG));
      expect(answer.headers["content-encoding"]).toBe("br");
    });

    it("does not compress a small answer", async () => {
      const answer = await call({ "accept-encoding": "gzip" }, body("hi"));
      expect(answer.headers["content-encoding"]).toBeUndefined();
      expect(JSON.parse(text(answer.body))).toMatchObject({ payload: { message: "hi" } });
    });

    it("refuses an unsupported Content-Encoding with 501 unimplemented", async () => {
      const answer = await call({ "content-encoding": "snappy" }, body("hi"));
      expect(answer.status).toBe(501);
      expect(answer.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(text(answer.body))).toEqual({ code: "unimplemented", message: UNSUPPORTED });
    });

    it("ignores connect-content-encoding (streaming only) on a unary call: the gzip bytes are read as JSON", async () => {
      const answer = await call({ "connect-content-encoding": "gzip" }, gzip(echoJson("hi")));
      expect(answer.status).toBe(400);
      expect(JSON.parse(text(answer.body))).toEqual({
        code: "invalid_argument",
        message: "the request body is not valid UTF-8",
      });
    });
  });

  describe("clients that compress", () => {
    // Each sends gzip for every message (compressMinBytes 0) and accepts gzip (and br, connect-es' default).
    const options = () => ({ baseUrl: t.url, sendCompression: compressionGzip, compressMinBytes: 0 });
    const transports = {
      gRPC: () => createGrpcTransport(options()),
      "gRPC-Web": () => createGrpcWebTransport({ ...options(), httpVersion: "1.1" }),
      "Connect JSON": () => createConnectTransport({ ...options(), httpVersion: "1.1" }),
      "Connect binary over h2c": () =>
        createConnectTransport({ ...options(), httpVersion: "2", useBinaryFormat: true }),
    };
    it.each(Object.keys(transports) as (keyof typeof transports)[])(
      "connect-es %s sends and accepts gzip",
      async (name) => {
        const transport = transports[name]();
        const client = createClient(ExecuteService, transport);
        const response = await client.execute(
          { target: { case: "connectorSlug", value: "echo" }, command: "echo", params: { message: LONG } },
          { headers: { authorization: `Bearer ${t.adminKey}` } },
        );
        expect(response.payload?.message).toBe(LONG);
      },
    );

    it("@grpc/grpc-js with gzip as its default compression", async () => {
      const v1 = (loadPatchbayProtos().patchbay as grpc.GrpcObject).v1 as grpc.GrpcObject;
      const Execute = v1.ExecuteService as unknown as new (
        address: string,
        credentials: grpc.ChannelCredentials,
        options: grpc.ChannelOptions,
      ) => grpc.Client;
      const client = new Execute(`127.0.0.1:${t.port}`, grpc.credentials.createInsecure(), {
        "grpc.default_compression_algorithm": grpc.compressionAlgorithms.gzip,
      });
      try {
        const { response } = await unary<{ payload: { fields: Record<string, { stringValue: string }> } }>(
          client,
          "execute",
          { connectorSlug: "echo", command: "echo", params: { fields: { message: { stringValue: LONG } } } },
          bearer(t.adminKey),
        );
        expect(response.payload.fields.message?.stringValue).toBe(LONG);
      } finally {
        client.close();
      }
    });
  });
});
