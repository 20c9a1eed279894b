import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.ts";
import { ExecuteService, ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { bearer, grpc, loadPatchbayProtos, unary } from "../support/grpc-js-client.ts";
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
  h2Request,
  http1Request,
  json,
  STACK_LINE,
  text,
  trailerFrame,
} from "./raw-wire.ts";

// How each protocol carries an error: gRPC's status in trailers (after a headers frame, no message),
// grpc-message percent-encoded as the gRPC spec says, grpc-status-details-bin; Connect unary's JSON error
// body and HTTP status; gRPC-Web's trailer frame. Errors raised by the interceptors (no key, a bad key)
// and by the handler (unknown connector, unknown command, a missing target).

const MISSING_KEY = "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'";
const BAD_KEY = "unknown or revoked API key";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// The unknown command's name holds a non-ASCII character, a `%`, and `:` and `,` (which Connect's own
// encoder escapes and the gRPC spec does not).
const COMMAND = "café: 100%, naïve";
const UNKNOWN_COMMAND = `Unknown command '${COMMAND}' for connector 'echo'. Known commands: echo`;
const UNKNOWN_COMMAND_ENCODED =
  "Unknown command 'caf%C3%A9: 100%25, na%C3%AFve' for connector 'echo'. Known commands: echo";

const unknownConnector = executeBytes({ target: { case: "connectorSlug", value: "no-such" }, command: "x" });
const unknownCommand = executeBytes({ target: { case: "connectorSlug", value: "echo" }, command: COMMAND });

describe("error answers over the wire", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  describe("gRPC", () => {
    const call = (headers: Record<string, string>, body: Uint8Array) =>
      h2Request(t.url, { path: EXECUTE, headers, body: frame(body) });
    const noKey = () => {
      const { authorization: _, ...rest } = grpcHeaders("");
      return rest;
    };

    it("answers a call without a key UNAUTHENTICATED: HTTP 200, a headers frame, no message, the status in trailers", async () => {
      const answer = await call(noKey(), unknownConnector);
      expect(answer.status).toBe(200);
      // Today the status is not in the first HEADERS frame: Connect sends headers, then trailers.
      expect(answer.headersEndedStream).toBe(false);
      expect(answer.headers).toEqual({ "content-type": "application/grpc+proto", date: expect.any(String) });
      expect(answer.body.byteLength).toBe(0);
      expect(answer.trailers).toEqual({
        "grpc-status": "16",
        "grpc-message": MISSING_KEY,
        "x-request-id": expect.stringMatching(UUID),
      });
    });

    it("answers a call with an unknown key UNAUTHENTICATED", async () => {
      const answer = await call({ ...noKey(), authorization: "Bearer pb_not_a_key" }, unknownConnector);
      expect(answer.status).toBe(200);
      expect(answer.body.byteLength).toBe(0);
      expect(answer.trailers).toMatchObject({ "grpc-status": "16", "grpc-message": BAD_KEY });
    });

    it("answers a key without the procedure's scope PERMISSION_DENIED", async () => {
      const key = await t.createKey(["catalog:read"], "reader");
      const answer = await call(grpcHeaders(key), unknownConnector);
      expect(answer.body.byteLength).toBe(0);
      expect(answer.trailers).toEqual({
        "grpc-status": "7",
        "grpc-message": "API key lacks scope 'execute'",
        "x-request-id": expect.stringMatching(UUID),
      });
    });

    it("answers an unknown connector NOT_FOUND, with the rate-limit headers in the trailers", async () => {
      const answer = await call(grpcHeaders(t.adminKey), unknownConnector);
      expect(answer.status).toBe(200);
      expect(answer.headersEndedStream).toBe(false);
      expect(answer.headers["grpc-status"]).toBeUndefined();
      expect(answer.body.byteLength).toBe(0);
      expect(answer.trailers).toEqual({
        "grpc-status": "5",
        "grpc-message": "connector not found",
        "x-request-id": expect.stringMatching(UUID),
        "x-ratelimit-limit": "600",
        "x-ratelimit-remaining": expect.stringMatching(/^\d+$/),
        "x-ratelimit-reset": expect.stringMatching(/^\d+$/),
      });
    });

    it("percent-encodes grpc-message as the spec says and sends the ExecutionFailure in grpc-status-details-bin", async () => {
      const answer = await call(grpcHeaders(t.adminKey), unknownCommand);
      expect(answer.trailers["grpc-status"]).toBe("3");
      expect(answer.trailers["grpc-message"]).toBe(UNKNOWN_COMMAND_ENCODED);
      // base64 without padding, as Connect writes it.
      expect(answer.trailers["grpc-status-details-bin"]).toMatch(/^[A-Za-z0-9+/]+$/);
      const error = findTrailerError(new Headers(answer.trailers));
      expect(error?.code).toBe(Code.InvalidArgument);
      expect(error?.rawMessage).toBe(UNKNOWN_COMMAND);
      expect(error?.findDetails(ExecutionFailureSchema)).toEqual([
        expect.objectContaining({
          executionId: expect.stringMatching(UUID),
          errorCode: "UNKNOWN_COMMAND",
          failureClass: "invalid_params",
        }),
      ]);
    });

    it("answers a request without a target INVALID_ARGUMENT with a BadRequest detail naming the field", async () => {
      const answer = await call(grpcHeaders(t.adminKey), new Uint8Array());
      expect(answer.trailers["grpc-status"]).toBe("3");
      expect(answer.trailers["grpc-message"]).toBe("connection_id or connector_slug is required");
      const error = findTrailerError(new Headers(answer.trailers));
      const [badRequest] = error?.findDetails(BadRequestSchema) ?? [];
      expect(badRequest?.fieldViolations.map((v) => [v.field, v.description])).toEqual([
        ["target", "connection_id or connector_slug is required"],
      ]);
    });

    it("reads the same codes and text with @grpc/grpc-js", async () => {
      const v1 = (loadPatchbayProtos().patchbay as grpc.GrpcObject).v1 as grpc.GrpcObject;
      const Execute = v1.ExecuteService as unknown as new (
        address: string,
        credentials: grpc.ChannelCredentials,
      ) => grpc.Client;
      const client = new Execute(`127.0.0.1:${t.port}`, grpc.credentials.createInsecure());
      try {
        const failing = (request: object, metadata: grpc.Metadata) =>
          unary(client, "execute", request, metadata).catch((e: unknown) => e as grpc.ServiceError);
        const noKeyError = await failing({ connectorSlug: "echo" }, new grpc.Metadata());
        expect(noKeyError).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: MISSING_KEY });
        const notFound = await failing({ connectorSlug: "no-such", command: "x" }, bearer(t.adminKey));
        expect(notFound).toMatchObject({ code: grpc.status.NOT_FOUND, details: "connector not found" });
        const command = await failing({ connectorSlug: "echo", command: COMMAND }, bearer(t.adminKey));
        expect(command).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: UNKNOWN_COMMAND });
        const details = (command as grpc.ServiceError).metadata.get("grpc-status-details-bin");
        expect(details).toHaveLength(1);
        expect(details[0]).toBeInstanceOf(Buffer);
      } finally {
        client.close();
      }
    });
  });

  // gRPC-Web and Connect unary are served over HTTP/1.1 and h2c alike.
  const versions = [
    ["HTTP/1.1", http1Request],
    ["h2c", h2Request],
  ] as const;

  describe.each(versions)("gRPC-Web over %s", (_, send) => {
    const call = (headers: Record<string, string>, body: Uint8Array) =>
      send(t.url, { path: EXECUTE, headers, body: frame(body) });

    it("answers a call without a key with one trailer frame holding the status and the request id", async () => {
      const { authorization: _, ...headers } = grpcWebHeaders("");
      const answer = await call(headers, unknownConnector);
      expect(answer.status).toBe(200);
      expect(answer.headers["content-type"]).toBe("application/grpc-web+proto");
      expect(answer.headers["x-request-id"]).toBeUndefined();
      const frames = framesOf(answer.body);
      expect(frames.map((f) => f.flags)).toEqual([0x80]);
      expect(text(frames[0]?.data ?? new Uint8Array())).toMatch(
        /^grpc-message: missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'\r\ngrpc-status: 16\r\nx-request-id: [0-9a-f-]{36}\r\n$/,
      );
    });

    it("answers an unknown connector NOT_FOUND in the trailer frame", async () => {
      const answer = await call(grpcWebHeaders(t.adminKey), unknownConnector);
      expect(answer.status).toBe(200);
      expect(trailerFrame(answer.body)).toMatchObject({
        "grpc-status": "5",
        "grpc-message": "connector not found",
        "x-request-id": expect.stringMatching(UUID),
      });
    });

    it("percent-encodes grpc-message in the trailer frame, details beside it", async () => {
      const answer = await call(grpcWebHeaders(t.adminKey), unknownCommand);
      const trailer = trailerFrame(answer.body);
      expect(trailer["grpc-status"]).toBe("3");
      expect(trailer["grpc-message"]).toBe(UNKNOWN_COMMAND_ENCODED);
      const error = findTrailerError(new Headers(trailer));
      expect(error?.findDetails(ExecutionFailureSchema)[0]?.errorCode).toBe("UNKNOWN_COMMAND");
    });
  });

  describe.each(versions)("Connect unary over %s", (_, send) => {
    const call = (headers: Record<string, string>, body: unknown) =>
      send(t.url, { path: EXECUTE, headers, body: json(body) });

    it("answers a call without a key 401 with a JSON error body", async () => {
      const answer = await call({ "content-type": "application/json" }, { connectorSlug: "echo" });
      expect(answer.status).toBe(401);
      expect(answer.headers["content-type"]).toBe("application/json");
      expect(answer.headers["x-request-id"]).toMatch(UUID);
      expect(JSON.parse(text(answer.body))).toEqual({ code: "unauthenticated", message: MISSING_KEY });
    });

    it("answers an unknown key 401", async () => {
      const answer = await call(
        { "content-type": "application/json", authorization: "Bearer pb_not_a_key" },
        { connectorSlug: "echo" },
      );
      expect(answer.status).toBe(401);
      expect(JSON.parse(text(answer.body))).toEqual({ code: "unauthenticated", message: BAD_KEY });
    });

    it("answers a key without the procedure's scope 403", async () => {
      const key = await t.createKey(["catalog:read"], "reader");
      const answer = await call(connectJsonHeaders(key), { connectorSlug: "echo" });
      expect(answer.status).toBe(403);
      expect(JSON.parse(text(answer.body))).toEqual({
        code: "permission_denied",
        message: "API key lacks scope 'execute'",
      });
    });

    it("answers an unknown connector 404 not_found", async () => {
      const answer = await call(connectJsonHeaders(t.adminKey), { connectorSlug: "no-such", command: "x" });
      expect(answer.status).toBe(404);
      expect(answer.headers["x-ratelimit-limit"]).toBe("600");
      expect(JSON.parse(text(answer.body))).toEqual({ code: "not_found", message: "connector not found" });
    });

    it("answers an unknown command 400 with the ExecutionFailure in details (type, value, debug)", async () => {
      const answer = await call(connectJsonHeaders(t.adminKey), { connectorSlug: "echo", command: COMMAND });
      expect(answer.status).toBe(400);
      const body = JSON.parse(text(answer.body)) as { details: { type: string; value: string }[] };
      expect(body).toEqual({
        code: "invalid_argument",
        message: UNKNOWN_COMMAND,
        details: [
          {
            type: "patchbay.v1.ExecutionFailure",
            value: expect.stringMatching(/^[A-Za-z0-9+/]+$/),
            debug: {
              executionId: expect.stringMatching(UUID),
              errorCode: "UNKNOWN_COMMAND",
              failureClass: "invalid_params",
              diagnostics: {},
              variables: {},
              logLines: [],
            },
          },
        ],
      });
    });

    it("answers errors of a protobuf-binary call as JSON too", async () => {
      const answer = await send(t.url, {
        path: EXECUTE,
        headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/proto" },
        body: unknownConnector,
      });
      expect(answer.status).toBe(404);
      expect(answer.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(text(answer.body))).toEqual({ code: "not_found", message: "connector not found" });
    });

    it("answers a GET of the catalog read for an unknown slug 404", async () => {
      const message = encodeURIComponent(JSON.stringify({ slug: "no-such" }));
      const answer = await send(t.url, {
        path: `${GET_CONNECTOR}?encoding=json&message=${message}`,
        method: "GET",
        headers: { authorization: `Bearer ${t.adminKey}` },
      });
      expect(answer.status).toBe(404);
      expect(JSON.parse(text(answer.body))).toMatchObject({ code: "not_found" });
    });
  });

  describe("connect-es clients read the same error", () => {
    const transports = {
      gRPC: () => createGrpcTransport({ baseUrl: t.url }),
      "gRPC-Web": () => createGrpcWebTransport({ baseUrl: t.url, httpVersion: "1.1" }),
      "Connect JSON": () => createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }),
      "Connect binary over h2c": () =>
        createConnectTransport({ baseUrl: t.url, httpVersion: "2", useBinaryFormat: true }),
    };
    it.each(Object.keys(transports) as (keyof typeof transports)[])("%s", async (name) => {
      const client = createClient(ExecuteService, transports[name]());
      const command = await client
        .execute(
          { target: { case: "connectorSlug", value: "echo" }, command: COMMAND },
          { headers: { authorization: `Bearer ${t.adminKey}` } },
        )
        .catch((e: unknown) => ConnectError.from(e));
      expect(command).toBeInstanceOf(ConnectError);
      expect((command as ConnectError).code).toBe(Code.InvalidArgument);
      expect((command as ConnectError).rawMessage).toBe(UNKNOWN_COMMAND);
      expect((command as ConnectError).findDetails(ExecutionFailureSchema)[0]?.errorCode).toBe(
        "UNKNOWN_COMMAND",
      );
      const noKey = await client
        .execute({ target: { case: "connectorSlug", value: "echo" } })
        .catch((e: unknown) => ConnectError.from(e));
      expect((noKey as ConnectError).code).toBe(Code.Unauthenticated);
      expect((noKey as ConnectError).rawMessage).toBe(MISSING_KEY);
    });
  });

  it("leaks no stack trace in any of these answers", async () => {
    const answers = await Promise.all([
      h2Request(t.url, { path: EXECUTE, headers: grpcHeaders(t.adminKey), body: frame(unknownCommand) }),
      http1Request(t.url, {
        path: EXECUTE,
        headers: grpcWebHeaders(t.adminKey),
        body: frame(unknownCommand),
      }),
      http1Request(t.url, {
        path: EXECUTE,
        headers: connectJsonHeaders(t.adminKey),
        body: json({ connectorSlug: "echo", command: COMMAND }),
      }),
    ]);
    for (const answer of answers) {
      const all = `${JSON.stringify(answer.headers)}${JSON.stringify(answer.trailers)}${text(answer.body)}`;
      expect(all).not.toMatch(STACK_LINE);
    }
  });
});
