import { randomBytes, randomUUID } from "node:crypto";
import http, { type IncomingMessage } from "node:http";
import http2 from "node:http2";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The attacker's side of the body limits: a request without a valid API key that declares a body of
// megabytes, sends a little of it and never finishes must be refused without the server waiting for (and
// holding) the rest. Were the body read before the key is checked, none of these requests would ever be
// answered: each test would wait for its answer until it timed out.

// The auth interceptor's answers, as the wire carries them.
const MISSING_KEY_MESSAGE = "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'";
const UNKNOWN_KEY_MESSAGE = "unknown or revoked API key";
const CATALOG = "/patchbay.v1.CatalogService";
const DECLARED = 8 * 1024 * 1024; // within ParseOpenApi's 32 MiB limit: refused for its size, it would be answered
const SENT = Buffer.alloc(64 * 1024, 0x41);

/** The ways a caller fails to authenticate: no key at all, or one the server never issued. */
const CALLERS = [
  { name: "without a key", headers: (): Record<string, string> => ({}), message: MISSING_KEY_MESSAGE },
  {
    name: "with a made-up key",
    headers: (): Record<string, string> => ({
      authorization: `Bearer pb_${randomBytes(32).toString("base64url")}`,
    }),
    message: UNKNOWN_KEY_MESSAGE,
  },
] as const;

/** An h2c stream's answer: its headers, its body, its trailers, and the code it was closed with. */
interface StreamAnswer {
  readonly headers: http2.IncomingHttpHeaders;
  readonly body: string;
  readonly trailers: http2.IncomingHttpHeaders;
  readonly rstCode: number | undefined;
}

/** Opens a stream, writes part of its body without ending it, and waits until the server has closed it. */
function openH2Stream(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, part: Buffer) {
  return new Promise<StreamAnswer>((resolve, reject) => {
    const stream = session.request({ ":method": "POST", ...headers }, { endStream: false });
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      responseHeaders = h;
    });
    stream.on("trailers", (t) => {
      trailers = t;
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", reject);
    // The stream closes once the server has answered and reset it: the client never ends its side.
    stream.on("close", () =>
      resolve({
        headers: responseHeaders,
        body: Buffer.concat(chunks).toString("utf8"),
        trailers,
        rstCode: stream.rstCode,
      }),
    );
    stream.write(part);
  });
}

/** Sends the request line, headers and part of the body over HTTP/1.1, and waits for the whole answer. */
function openHttp1Request(url: string, path: string, headers: Record<string, string>, part: Buffer) {
  return new Promise<{ status: number; body: string; response: IncomingMessage }>((resolve, reject) => {
    const req = http.request(`${url}${path}`, {
      method: "POST",
      headers: { ...headers, "content-length": String(DECLARED) },
    });
    req.on("error", reject);
    req.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), response });
        req.destroy();
      });
    });
    req.write(part);
  });
}

/** A gRPC frame header announcing a message of `length` bytes, and the first bytes of it. */
function grpcFramePrefix(length: number, compressed = false): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(compressed ? 1 : 0, 0);
  header.writeUInt32BE(length, 1);
  return Buffer.concat([header, compressed ? gzipSync(SENT).subarray(0, 1024) : SENT]);
}

describe("a request without a valid API key is refused before its body is read", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer("postgresql", { PATCHBAY_RATE_LIMITS: "off", LOG_LEVEL: "info" });
  });
  afterAll(async () => {
    await t?.stop();
  });

  const lineOf = (reqId: string) => t.logs.lines().filter((l) => l.reqId === reqId);

  for (const caller of CALLERS) {
    describe(caller.name, () => {
      /** ParseOpenApi over h2c, a frame declaring a large message and part of it: refused, reset, logged. */
      const refusedOverGrpc = async (compression: Record<string, string>, compressed: boolean) => {
        const session = http2.connect(t.url);
        session.on("error", () => undefined);
        const reqId = randomUUID();
        try {
          const answer = await openH2Stream(
            session,
            {
              ":path": `${CATALOG}/ParseOpenApi`,
              "content-type": "application/grpc",
              ...compression,
              te: "trailers",
              "x-request-id": reqId,
              ...caller.headers(),
            },
            grpcFramePrefix(DECLARED, compressed),
          );
          expect(answer.headers[":status"]).toBe(200);
          expect(answer.trailers["grpc-status"]).toBe("16");
          expect(decodeURIComponent(String(answer.trailers["grpc-message"]))).toBe(caller.message);
          // Reset with NO_ERROR after the answer: the server asks for none of the rest.
          expect(answer.rstCode).toBe(http2.constants.NGHTTP2_NO_ERROR);
        } finally {
          session.destroy();
        }
        // Answered as every refused call is, with the call's one log line.
        await expect
          .poll(() => lineOf(reqId).map((l) => [l.procedure, l.code]))
          .toEqual([[`${CATALOG}/ParseOpenApi`, "unauthenticated"]]);
      };

      /** CreateConnector over HTTP/1.1, declaring a large body and sending `part` of it: 401, logged. */
      const refusedOverConnect = async (compression: Record<string, string>, part: Buffer) => {
        const reqId = randomUUID();
        const answer = await openHttp1Request(
          t.url,
          `${CATALOG}/CreateConnector`,
          { "content-type": "application/json", ...compression, "x-request-id": reqId, ...caller.headers() },
          part,
        );
        expect(answer.status).toBe(401);
        expect(JSON.parse(answer.body)).toEqual({ code: "unauthenticated", message: caller.message });
        expect(answer.response.headers["x-request-id"]).toBe(reqId);
        await expect
          .poll(() => lineOf(reqId).map((l) => [l.procedure, l.code]))
          .toEqual([[`${CATALOG}/CreateConnector`, "unauthenticated"]]);
      };
      const partOfJson = Buffer.from(`{"slug":"x","openapi":"${SENT.toString("utf8")}`);

      it("over gRPC (h2c): UNAUTHENTICATED in the trailers, then the stream is reset", () =>
        refusedOverGrpc({}, false));

      it("over Connect JSON (HTTP/1.1): 401 with the auth interceptor's message", () =>
        refusedOverConnect({}, partOfJson));

      // Compressed requests are declined by the unary fast path: Connect's generic path answers them.
      it("over gRPC (h2c) with grpc-encoding gzip: UNAUTHENTICATED, then the stream is reset", () =>
        refusedOverGrpc({ "grpc-encoding": "gzip" }, true));

      it("over Connect JSON (HTTP/1.1) with content-encoding gzip: 401 with the auth interceptor's message", () =>
        refusedOverConnect({ "content-encoding": "gzip" }, gzipSync(partOfJson).subarray(0, 1024)));

      it("over the REST bridge (HTTP/1.1): 401", async () => {
        const reqId = randomUUID();
        const answer = await openHttp1Request(
          t.url,
          "/api/v1/connectors/parse-oas",
          { "content-type": "application/json", "x-request-id": reqId, ...caller.headers() },
          Buffer.from(`{"openapi":"${SENT.toString("utf8")}`),
        );
        expect(answer.status).toBe(401);
        expect(JSON.parse(answer.body)).toMatchObject({ code: "unauthenticated", message: caller.message });
        await expect
          .poll(() => lineOf(reqId).map((l) => [l.protocol, l.code]))
          .toEqual([["rest", "unauthenticated"]]);
      });

      it("over the REST bridge (h2c): 401, then the stream is reset", async () => {
        const session = http2.connect(t.url);
        session.on("error", () => undefined);
        try {
          const answer = await openH2Stream(
            session,
            {
              ":path": "/api/v1/connectors/slug-x",
              ":method": "PUT",
              "content-type": "application/json",
              "content-length": String(DECLARED),
              ...caller.headers(),
            },
            Buffer.from(`{"openapi":"${SENT.toString("utf8")}`),
          );
          expect(answer.headers[":status"]).toBe(401);
          expect(JSON.parse(answer.body)).toMatchObject({ code: "unauthenticated", message: caller.message });
          expect(answer.rstCode).toBe(http2.constants.NGHTTP2_NO_ERROR);
        } finally {
          session.destroy();
        }
      });
    });
  }
});
