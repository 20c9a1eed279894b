import net from "node:net";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetConnectorRequestSchema, GetConnectorResponseSchema } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ExecuteResponseSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import {
  connectJsonHeaders,
  EXECUTE,
  echoJson,
  echoRequest,
  executeBytes,
  frame,
  framesOf,
  GET_CONNECTOR,
  grpcHeaders,
  grpcWebHeaders,
  h2Request,
  http1Request,
  json,
  text,
  trailerFrame,
} from "./raw-wire.ts";

// What a hand-written reader of node:http / node:http2 requests can get wrong beside the message itself:
// HTTP/1.0 without Host, Expect: 100-continue, frames split across many DATA frames or chunks, the
// Connect GET form of the side-effect-free catalog read, methods and content-type parameters that are not
// served, the ways to send the API key, and gRPC without `te: trailers`.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("transport edges over the wire", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** Sends `request` on a plain socket and reads until the server closes it (or 30 s pass). */
  const rawHttp = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(t.port, "127.0.0.1");
      let out = "";
      const timer = setTimeout(() => socket.destroy(), 30_000);
      socket.on("data", (chunk: Buffer) => {
        out += chunk.toString("utf8");
      });
      socket.once("error", reject);
      socket.once("close", () => {
        clearTimeout(timer);
        resolve(out);
      });
      // No half-close: Node's HTTP server drops a request whose client ends its side first.
      socket.write(request);
    });

  describe("HTTP/1.x requests", () => {
    const body = echoJson("raw");
    const head = (first: string, extra: string[]) =>
      [
        first,
        ...extra,
        `authorization: Bearer ${t.adminKey}`,
        "content-type: application/json",
        `content-length: ${Buffer.byteLength(body)}`,
        "",
        body,
      ].join("\r\n");

    it("answers an HTTP/1.0 call without a Host header", async () => {
      const answer = await rawHttp(head(`POST ${EXECUTE} HTTP/1.0`, []));
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(answer).toMatch(/\r\ncontent-type: application\/json\r\n/);
      expect(answer).toMatch(/\r\nConnection: close\r\n/);
      expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))).toMatchObject({
        payload: { message: "raw" },
      });
    });

    it("answers Expect: 100-continue with 100 Continue, then the call's answer", async () => {
      const answer = await rawHttp(
        head(`POST ${EXECUTE} HTTP/1.1`, ["host: patchbay", "connection: close", "expect: 100-continue"]),
      );
      expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
      expect(JSON.parse(answer.slice(answer.lastIndexOf("\r\n\r\n") + 4))).toMatchObject({
        payload: { message: "raw" },
      });
    });
  });

  describe("frames split across writes", () => {
    const oneByteAtATime = () =>
      [...frame(executeBytes(echoRequest("split")))].map((b) => new Uint8Array([b]));
    const message = (data: Uint8Array) => fromBinary(ExecuteResponseSchema, data).payload?.message;

    it("reads a gRPC message sent one byte per DATA frame", async () => {
      const answer = await h2Request(t.url, {
        path: EXECUTE,
        headers: grpcHeaders(t.adminKey),
        body: oneByteAtATime(),
      });
      expect(answer.trailers).toEqual({ "grpc-status": "0" });
      expect(message(framesOf(answer.body)[0]?.data ?? new Uint8Array())).toBe("split");
    });

    it("reads a gRPC-Web message sent one byte per chunk", async () => {
      const answer = await http1Request(t.url, {
        path: EXECUTE,
        headers: grpcWebHeaders(t.adminKey),
        body: oneByteAtATime(),
      });
      const [data] = framesOf(answer.body);
      expect(message(data?.data ?? new Uint8Array())).toBe("split");
      expect(trailerFrame(answer.body)).toEqual({ "grpc-status": "0" });
    });

    it("reads a Connect JSON body sent one byte per chunk", async () => {
      const answer = await http1Request(t.url, {
        path: EXECUTE,
        headers: connectJsonHeaders(t.adminKey),
        body: [...new TextEncoder().encode(echoJson("split"))].map((b) => new Uint8Array([b])),
      });
      expect(answer.status).toBe(200);
      expect(JSON.parse(text(answer.body))).toMatchObject({ payload: { message: "split" } });
    });
  });

  describe("Connect GET of the catalog read", () => {
    const get = (query: string, send = http1Request) =>
      send(t.url, {
        path: `${GET_CONNECTOR}?${query}`,
        method: "GET",
        headers: { authorization: `Bearer ${t.adminKey}` },
      });

    it("reads a base64url protobuf message and answers application/proto", async () => {
      const message = Buffer.from(
        toBinary(GetConnectorRequestSchema, create(GetConnectorRequestSchema, { slug: "echo" })),
      ).toString("base64url");
      const answer = await get(`encoding=proto&base64=1&message=${message}`);
      expect(answer.status).toBe(200);
      expect(answer.headers["content-type"]).toBe("application/proto");
      expect(fromBinary(GetConnectorResponseSchema, answer.body).connector?.slug).toBe("echo");
    });

    it("reads a JSON message over h2c", async () => {
      const answer = await get(
        `encoding=json&message=${encodeURIComponent(JSON.stringify({ slug: "echo" }))}`,
        h2Request,
      );
      expect(answer.status).toBe(200);
      expect(JSON.parse(text(answer.body))).toMatchObject({ connector: { slug: "echo" } });
    });

    it("answers a GET without a message 400 invalid_argument", async () => {
      const answer = await get("encoding=json");
      expect(answer.status).toBe(400);
      expect(JSON.parse(text(answer.body))).toEqual({
        code: "invalid_argument",
        message: "the request body is not a valid patchbay.v1.GetConnectorRequest in JSON",
      });
    });

    it.each(["message=%7B%7D", "encoding=xml&message=%7B%7D"])("answers GET ?%s 415", async (query) => {
      const answer = await get(query);
      expect(answer.status).toBe(415);
      expect(answer.headers["x-request-id"]).toMatch(UUID);
      expect(answer.body.byteLength).toBe(0);
    });

    it("answers a GET with an unsupported compression 501 unimplemented", async () => {
      const answer = await get("encoding=json&compression=snappy&message=%7B%7D");
      expect(answer.status).toBe(501);
      expect(JSON.parse(text(answer.body))).toEqual({
        code: "unimplemented",
        message: "the request's compression is not supported (use gzip or br)",
      });
    });

    it("answers GET of Execute (it has side effects) 405 over h2c", async () => {
      const answer = await h2Request(t.url, {
        path: `${EXECUTE}?encoding=json&message=%7B%7D`,
        method: "GET",
        headers: { authorization: `Bearer ${t.adminKey}` },
      });
      expect(answer.status).toBe(405);
      expect(answer.body.byteLength).toBe(0);
    });
  });

  describe("what else a request may hold", () => {
    it("answers PUT of a gRPC procedure 405", async () => {
      const answer = await h2Request(t.url, {
        path: EXECUTE,
        method: "PUT",
        headers: grpcHeaders(t.adminKey),
        body: frame(executeBytes(echoRequest("hi"))),
      });
      expect(answer.status).toBe(405);
      expect(answer.headers["x-request-id"]).toMatch(UUID);
    });

    it("runs a gRPC call without te: trailers", async () => {
      const { te: _, ...headers } = grpcHeaders(t.adminKey);
      const answer = await h2Request(t.url, {
        path: EXECUTE,
        headers,
        body: frame(executeBytes(echoRequest("hi"))),
      });
      expect(answer.trailers).toEqual({ "grpc-status": "0" });
    });

    it("answers Connect JSON with a charset other than UTF-8 415", async () => {
      const answer = await http1Request(t.url, {
        path: EXECUTE,
        headers: {
          ...connectJsonHeaders(t.adminKey),
          "content-type": "application/json; charset=iso-8859-1",
        },
        body: json({ connectorSlug: "echo" }),
      });
      expect(answer.status).toBe(415);
    });

    it.each([
      ["X-API-Key", (key: string) => ({ "x-api-key": key })],
      ["a lower-case bearer scheme", (key: string) => ({ authorization: `bearer ${key}` })],
    ])("takes the API key as %s", async (_, header) => {
      const answer = await http1Request(t.url, {
        path: EXECUTE,
        headers: { "content-type": "application/json", ...header(t.adminKey) },
        body: new TextEncoder().encode(echoJson("key")),
      });
      expect(answer.status).toBe(200);
      expect(JSON.parse(text(answer.body))).toMatchObject({ payload: { message: "key" } });
    });
  });
});
