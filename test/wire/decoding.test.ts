import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import {
  connectJsonHeaders,
  EXECUTE,
  executeBytes,
  frame,
  framesOf,
  GET_CONNECTOR,
  grpcHeaders,
  grpcWebHeaders,
  gzip,
  h2Request,
  http1Request,
  json,
  text,
  trailerFrame,
} from "./raw-wire.ts";

// The message reading options a unary fast path must keep from the router (src/server/app.ts): a JSON
// reader that refuses bytes that are not UTF-8 and ignores unknown fields, JSON answers that carry every
// field (defaults included), invalid UTF-8 in protobuf binary named by field, and the input rules
// (docs/limits.md) that run before any handler on every protocol.

const encode = (value: string) => new TextEncoder().encode(value);
// ExecuteRequest{connector_slug: "echo", command: <0xFF 0xFE>} in protobuf binary.
const BAD_UTF8 = new Uint8Array([0x12, 0x04, ...encode("echo"), 0x1a, 0x02, 0xff, 0xfe]);
const NOT_UTF8 = "command must be valid UTF-8";

describe("message decoding over the wire", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  const grpcCall = (body: Uint8Array, headers: Record<string, string> = {}, path = EXECUTE) =>
    h2Request(t.url, { path, headers: { ...grpcHeaders(t.adminKey), ...headers }, body: frame(body) });
  const connectCall = (body: Uint8Array, headers: Record<string, string> = {}, path = EXECUTE) =>
    http1Request(t.url, { path, headers: { ...connectJsonHeaders(t.adminKey), ...headers }, body });

  describe("text that is not Unicode", () => {
    it("names the field holding invalid UTF-8 in protobuf binary, on every protocol", async () => {
      const grpc = await grpcCall(BAD_UTF8);
      expect(grpc.trailers).toEqual({ "grpc-status": "3", "grpc-message": NOT_UTF8 });
      const gzipped = await h2Request(t.url, {
        path: EXECUTE,
        headers: { ...grpcHeaders(t.adminKey), "grpc-encoding": "gzip" },
        body: frame(gzip(BAD_UTF8), 1),
      });
      expect(gzipped.trailers).toEqual({ "grpc-status": "3", "grpc-message": NOT_UTF8 });
      const web = await http1Request(t.url, {
        path: EXECUTE,
        headers: grpcWebHeaders(t.adminKey),
        body: frame(BAD_UTF8),
      });
      expect(trailerFrame(web.body)).toEqual({ "grpc-status": "3", "grpc-message": NOT_UTF8 });
      const connect = await connectCall(BAD_UTF8, { "content-type": "application/proto" });
      expect(connect.status).toBe(400);
      expect(JSON.parse(text(connect.body))).toEqual({ code: "invalid_argument", message: NOT_UTF8 });
    });

    it("refuses a Connect JSON body that is not UTF-8", async () => {
      const body = new Uint8Array([...encode('{"connectorSlug":"echo","command":"'), 0xff, ...encode('"}')]);
      const answer = await connectCall(body);
      expect(answer.status).toBe(400);
      expect(JSON.parse(text(answer.body))).toEqual({
        code: "invalid_argument",
        message: "the request body is not valid UTF-8",
      });
    });

    it("names the field holding a lone surrogate in JSON", async () => {
      const answer = await connectCall(encode('{"connectorSlug":"echo","command":"\\ud800"}'));
      expect(answer.status).toBe(400);
      expect(JSON.parse(text(answer.body))).toEqual({
        code: "invalid_argument",
        message: "command must be valid Unicode text (it holds a lone surrogate)",
      });
    });

    it("refuses U+0000 by the input rule, with a BadRequest naming the field, over gRPC and Connect", async () => {
      const message = "metadata.step_id must not contain U+0000 (NUL)";
      const grpc = await grpcCall(
        executeBytes({ target: { case: "connectorSlug", value: "echo" }, metadata: { stepId: "a\u0000b" } }),
      );
      expect(grpc.trailers["grpc-status"]).toBe("3");
      expect(grpc.trailers["grpc-message"]).toBe(message);
      const [badRequest] = findTrailerError(new Headers(grpc.trailers))?.findDetails(BadRequestSchema) ?? [];
      expect(badRequest?.fieldViolations.map((v) => [v.field, v.reason])).toEqual([
        ["metadata.step_id", "TEXT"],
      ]);

      const connect = await connectCall(json({ connectorSlug: "echo", metadata: { stepId: "a\u0000b" } }));
      expect(connect.status).toBe(400);
      expect(JSON.parse(text(connect.body))).toMatchObject({
        code: "invalid_argument",
        message,
        details: [
          {
            type: "google.rpc.BadRequest",
            debug: { fieldViolations: [{ field: "metadata.step_id", description: message, reason: "TEXT" }] },
          },
        ],
      });
    });
  });

  describe("JSON", () => {
    it("refuses a oneof set twice, naming it", async () => {
      const answer = await connectCall(json({ connectorSlug: "echo", connectionId: "x" }));
      expect(answer.status).toBe(400);
      expect(JSON.parse(text(answer.body))).toEqual({
        code: "invalid_argument",
        message: "target is set more than once",
      });
    });

    it("ignores unknown fields, over Connect and gRPC JSON", async () => {
      const connect = await connectCall(
        json({ connectorSlug: "echo", command: "echo", params: { message: "u" }, notAField: 1 }),
      );
      expect(connect.status).toBe(200);
      expect(JSON.parse(text(connect.body))).toMatchObject({ payload: { message: "u" } });
      const grpcJson = await grpcCall(json({ connectorSlug: "echo", notAField: 1 }), {
        "content-type": "application/grpc+json",
      });
      expect(grpcJson.trailers).toEqual({ "grpc-status": "0" });
    });

    it("answers every field, defaults included, over Connect and gRPC JSON", async () => {
      const connect = await connectCall(json({ slug: "echo" }), {}, GET_CONNECTOR);
      const grpcJson = await grpcCall(
        json({ slug: "echo" }),
        { "content-type": "application/grpc+json" },
        GET_CONNECTOR,
      );
      const grpcBody = text(framesOf(grpcJson.body)[0]?.data ?? new Uint8Array());
      for (const body of [text(connect.body), grpcBody]) {
        expect(JSON.parse(body)).toMatchObject({
          connector: { slug: "echo", availabilityReason: "", credentialFields: [], endpointUrl: "" },
        });
      }
      const executed = await connectCall(json({ connectorSlug: "echo" }));
      expect(JSON.parse(text(executed.body))).toEqual({
        payload: {},
        variables: {},
        executionId: expect.any(String),
        durationMs: expect.any(Number),
        logLines: [],
      });
    });
  });
});
