import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import {
  AGENT_CONNECT,
  connectJsonHeaders,
  EXECUTE,
  echoJson,
  echoRequest,
  executeBytes,
  frame,
  framesOf,
  grpcHeaders,
  grpcWebHeaders,
  gzip,
  h2Request,
  http1Request,
  type RawAnswer,
  STACK_LINE,
  text,
  trailerFrame,
} from "./raw-wire.ts";

// Requests a unary fast path must refuse as today: oversized messages (beyond PATCHBAY_MAX_BODY_BYTES,
// here 64 KiB, or beyond it once decompressed), cut frames, a length prefix larger than the body, bytes
// that are not the message, content types that are not served, two messages or none in a unary call.

const LIMIT = 65_536;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const big = executeBytes(echoRequest("x".repeat(70_000)));
const small = executeBytes(echoRequest("hi"));
const GARBAGE = new Uint8Array([0xff, 0xff, 0xff]);
const NOT_BINARY = "the request is not a valid patchbay.v1.ExecuteRequest in protobuf binary (premature EOF)";
const NOT_JSON = "the request body is not a valid patchbay.v1.ExecuteRequest in JSON";
const INCOMPLETE = "protocol error: incomplete envelope";
const EXTRA = "protocol error: received extra input message for unary method";
const MISSING = "protocol error: missing input message for unary method";

describe("malformed and oversized requests over the wire", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql", { PATCHBAY_MAX_BODY_BYTES: String(LIMIT) });
  });
  afterAll(async () => {
    await t?.stop();
  });

  const grpcCall = (body: Uint8Array | Uint8Array[] | undefined, headers: Record<string, string> = {}) =>
    h2Request(t.url, {
      path: EXECUTE,
      headers: { ...grpcHeaders(t.adminKey), ...headers },
      ...(body === undefined ? {} : { body }),
    });
  type Send = typeof http1Request;
  const webCall = (
    body: Uint8Array | Uint8Array[] | undefined,
    headers: Record<string, string> = {},
    send: Send = http1Request,
  ) =>
    send(t.url, {
      path: EXECUTE,
      headers: { ...grpcWebHeaders(t.adminKey), ...headers },
      ...(body === undefined ? {} : { body }),
    });
  const connectCall = (
    body: Uint8Array | undefined,
    headers: Record<string, string> = {},
    send: Send = http1Request,
  ) =>
    send(t.url, {
      path: EXECUTE,
      headers: { ...connectJsonHeaders(t.adminKey), ...headers },
      ...(body === undefined ? {} : { body }),
    });

  /** A gRPC refusal made before the call ran: trailers after a headers frame with the request id. */
  const expectGrpcRefusal = (answer: RawAnswer, status: string, message: string) => {
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toMatch(/^application\/grpc\+(proto|json)$/);
    expect(answer.headers["x-request-id"]).toMatch(UUID);
    expect(answer.body.byteLength).toBe(0);
    expect(answer.trailers).toEqual({ "grpc-status": status, "grpc-message": message });
  };
  /** A gRPC-Web refusal: one trailer frame, the request id in the headers. */
  const expectWebRefusal = (answer: RawAnswer, status: string, message: string) => {
    expect(answer.status).toBe(200);
    expect(answer.headers["x-request-id"]).toMatch(UUID);
    expect(framesOf(answer.body).map((f) => f.flags)).toEqual([0x80]);
    expect(trailerFrame(answer.body)).toEqual({ "grpc-status": status, "grpc-message": message });
  };
  /** A Connect refusal: HTTP status and a JSON error body. */
  const expectConnectRefusal = (answer: RawAnswer, status: number, code: string, message: string) => {
    expect(answer.status).toBe(status);
    expect(answer.headers["content-type"]).toBe("application/json");
    expect(answer.headers["x-request-id"]).toMatch(UUID);
    expect(JSON.parse(text(answer.body))).toEqual({ code, message });
  };

  describe("oversized messages", () => {
    it("answers a message beyond the limit RESOURCE_EXHAUSTED over gRPC", async () => {
      expectGrpcRefusal(
        await grpcCall(frame(big)),
        "8",
        `message size ${big.byteLength} is larger than configured readMaxBytes ${LIMIT}`,
      );
    });

    it("answers a frame that only announces 10 MB RESOURCE_EXHAUSTED without reading it", async () => {
      expectGrpcRefusal(
        await grpcCall(frame(new Uint8Array(10), 0, 10_000_000)),
        "8",
        `message size 10000000 is larger than configured readMaxBytes ${LIMIT}`,
      );
    });

    it("answers a gzip frame beyond the limit once decompressed RESOURCE_EXHAUSTED", async () => {
      const answer = await grpcCall(frame(gzip(big), 1), { "grpc-encoding": "gzip" });
      expect(answer.headers["grpc-encoding"]).toBe("gzip");
      expect(answer.trailers).toEqual({
        "grpc-status": "8",
        "grpc-message": `message is larger than configured readMaxBytes ${LIMIT} after decompression`,
      });
    });

    it("answers a message beyond the limit RESOURCE_EXHAUSTED over gRPC-Web", async () => {
      expectWebRefusal(
        await webCall(frame(big)),
        "8",
        `message size ${big.byteLength} is larger than configured readMaxBytes ${LIMIT}`,
      );
    });

    it("answers a Connect body beyond the limit 429 resource_exhausted, over HTTP/1.1 and h2c", async () => {
      const body = new TextEncoder().encode(echoJson("x".repeat(70_000)));
      const message = `message size is larger than configured readMaxBytes ${LIMIT}`;
      expectConnectRefusal(await connectCall(body), 429, "resource_exhausted", message);
      const h2 = await h2Request(t.url, { path: EXECUTE, headers: connectJsonHeaders(t.adminKey), body });
      expectConnectRefusal(h2, 429, "resource_exhausted", message);
    });

    it("answers a gzip Connect body beyond the limit once decompressed 429", async () => {
      expectConnectRefusal(
        await connectCall(gzip(echoJson("x".repeat(70_000))), { "content-encoding": "gzip" }),
        429,
        "resource_exhausted",
        `message is larger than configured readMaxBytes ${LIMIT} after decompression`,
      );
    });

    it("runs a message just under the limit", async () => {
      const answer = await grpcCall(frame(executeBytes(echoRequest("x".repeat(60_000)))));
      expect(answer.trailers["grpc-status"]).toBe("0");
    });
  });

  // gRPC-Web and Connect unary are served over HTTP/1.1 and h2c alike.
  describe.each([
    ["HTTP/1.1", http1Request],
    ["h2c", h2Request],
  ] as const)("malformed frames and bodies (gRPC-Web and Connect over %s)", (_, send) => {
    const web = (body: Uint8Array | Uint8Array[] | undefined, headers: Record<string, string> = {}) =>
      webCall(body, headers, send);
    const connect = (body: Uint8Array | undefined, headers: Record<string, string> = {}) =>
      connectCall(body, headers, send);

    it("answers a cut frame header INVALID_ARGUMENT (incomplete envelope), gRPC and gRPC-Web", async () => {
      expectGrpcRefusal(await grpcCall(new Uint8Array([0, 0, 0])), "3", INCOMPLETE);
      expectWebRefusal(await web(new Uint8Array([0, 0])), "3", INCOMPLETE);
    });

    it("answers a length prefix larger than the body INVALID_ARGUMENT (incomplete envelope)", async () => {
      expectGrpcRefusal(await grpcCall(frame(small, 0, small.byteLength + 10)), "3", INCOMPLETE);
      expectWebRefusal(await web(frame(small, 0, small.byteLength + 10)), "3", INCOMPLETE);
    });

    it("answers bytes that are not an ExecuteRequest INVALID_ARGUMENT naming the decoder's reason", async () => {
      expectGrpcRefusal(await grpcCall(frame(GARBAGE)), "3", NOT_BINARY);
      expectWebRefusal(await web(frame(GARBAGE)), "3", NOT_BINARY);
      expectConnectRefusal(
        await connect(GARBAGE, { "content-type": "application/proto" }),
        400,
        "invalid_argument",
        NOT_BINARY,
      );
    });

    it("answers JSON that does not parse INVALID_ARGUMENT, on each protocol's JSON", async () => {
      const bad = new TextEncoder().encode("{not json");
      expectConnectRefusal(await connect(bad), 400, "invalid_argument", NOT_JSON);
      const grpcJson = await grpcCall(frame(bad), { "content-type": "application/grpc+json" });
      expect(grpcJson.headers["content-type"]).toBe("application/grpc+json");
      expectGrpcRefusal(grpcJson, "3", NOT_JSON);
      const webJson = await web(frame(bad), { "content-type": "application/grpc-web+json" });
      expect(webJson.headers["content-type"]).toBe("application/grpc-web+json");
      expectWebRefusal(webJson, "3", NOT_JSON);
    });

    it("answers a JSON field of the wrong type INVALID_ARGUMENT naming the field, not the value", async () => {
      const answer = await connect(
        new TextEncoder().encode(JSON.stringify({ connectorSlug: "echo", metadata: { timeoutMs: "soon" } })),
      );
      expectConnectRefusal(
        answer,
        400,
        "invalid_argument",
        "metadata.timeout_ms does not hold a valid value of its type",
      );
    });

    it("answers two messages in a unary call UNIMPLEMENTED, gRPC and gRPC-Web", async () => {
      expectGrpcRefusal(await grpcCall([frame(small), frame(small)]), "12", EXTRA);
      expectWebRefusal(await web([frame(small), frame(small)]), "12", EXTRA);
    });

    it("answers an empty body UNIMPLEMENTED (missing message), gRPC and gRPC-Web", async () => {
      expectGrpcRefusal(await grpcCall(undefined), "12", MISSING);
      expectWebRefusal(await web(undefined), "12", MISSING);
    });

    it("reads an empty frame as the empty message, which the input rules refuse", async () => {
      const answer = await grpcCall(frame(new Uint8Array()));
      expect(answer.trailers).toMatchObject({
        "grpc-status": "3",
        "grpc-message": "connection_id or connector_slug is required",
      });
    });

    it("answers an empty Connect JSON body 400, and an empty binary body as the empty message", async () => {
      expectConnectRefusal(await connect(undefined), 400, "invalid_argument", NOT_JSON);
      const binary = await connect(undefined, { "content-type": "application/proto" });
      expect(binary.status).toBe(400);
      expect(JSON.parse(text(binary.body))).toMatchObject({
        code: "invalid_argument",
        message: "connection_id or connector_slug is required",
      });
    });
  });

  describe("what is not served", () => {
    const bare = { authorization: "" };
    it.each([
      ["text/plain", "1.1"],
      ["text/plain", "2"],
      ["application/connect+json", "1.1"],
      ["application/grpc-web-text", "1.1"],
      ["application/x-www-form-urlencoded", "1.1"],
    ])("answers content type %s over HTTP/%s with 415 and no body", async (type, version) => {
      const request = {
        path: EXECUTE,
        headers: { authorization: `Bearer ${t.adminKey}`, "content-type": type },
        body: new TextEncoder().encode("hi"),
      };
      const answer = version === "2" ? await h2Request(t.url, request) : await http1Request(t.url, request);
      expect(answer.status).toBe(415);
      expect(answer.headers["x-request-id"]).toMatch(UUID);
      expect(answer.headers["content-type"]).toBeUndefined();
      expect(answer.body.byteLength).toBe(0);
    });

    it("answers a request without a content type 415", async () => {
      const answer = await http1Request(t.url, {
        path: EXECUTE,
        headers: { authorization: `Bearer ${t.adminKey}` },
        body: new TextEncoder().encode("hi"),
      });
      expect(answer.status).toBe(415);
      expect(answer.body.byteLength).toBe(0);
    });

    it("answers GET of a procedure with side effects 405", async () => {
      const answer = await http1Request(t.url, { path: EXECUTE, method: "GET", headers: bare });
      expect(answer.status).toBe(405);
      expect(answer.headers["x-request-id"]).toMatch(UUID);
      expect(answer.body.byteLength).toBe(0);
    });

    it("answers a bidirectional stream over HTTP/1.1 505", async () => {
      const answer = await http1Request(t.url, {
        path: AGENT_CONNECT,
        headers: grpcWebHeaders(t.adminKey),
        body: frame(new Uint8Array()),
      });
      expect(answer.status).toBe(505);
      expect(answer.body.byteLength).toBe(0);
    });

    it("answers an unknown procedure 404 with the fallback's JSON, whatever the protocol", async () => {
      for (const answer of [
        await h2Request(t.url, {
          path: "/patchbay.v1.ExecuteService/Nope",
          headers: grpcHeaders(t.adminKey),
          body: frame(new Uint8Array()),
        }),
        await http1Request(t.url, {
          path: "/patchbay.v1.ExecuteService/Nope",
          headers: connectJsonHeaders(t.adminKey),
          body: new TextEncoder().encode("{}"),
        }),
      ]) {
        expect(answer.status).toBe(404);
        expect(answer.headers["x-patchbay-error"]).toBe("no such route");
        expect(JSON.parse(text(answer.body))).toEqual({ code: "not_found", message: "no such route" });
      }
    });
  });

  it("stays healthy and leaks no stack trace after all of the above", async () => {
    const answers = await Promise.all([
      grpcCall(frame(GARBAGE)),
      grpcCall(new Uint8Array([0, 0, 0])),
      webCall([frame(small), frame(small)]),
      connectCall(new TextEncoder().encode("{not json")),
    ]);
    for (const answer of answers) {
      const all = `${JSON.stringify(answer.headers)}${JSON.stringify(answer.trailers)}${text(answer.body)}`;
      expect(all).not.toMatch(STACK_LINE);
    }
    expect(t.logs.text()).not.toMatch(/"level":"(error|fatal)"/);
    const answer = await grpcCall(frame(small));
    expect(answer.trailers["grpc-status"]).toBe("0");
  });
});
