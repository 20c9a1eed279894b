import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecuteService, ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { bearer, grpc, loadPatchbayProtos, unary } from "../support/grpc-js-client.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import {
  connectJsonHeaders,
  EXECUTE,
  echoRequest,
  executeBytes,
  frame,
  framesOf,
  grpcHeaders,
  grpcWebHeaders,
  h2Request,
  http1Request,
  json,
  text,
  trailerFrame,
} from "./raw-wire.ts";

// Transport deadlines: grpc-timeout in each unit (n, u, m, S, M, H), connect-timeout-ms, malformed values
// (refused before the call runs), deadlines above the one-hour cap (lowered, not refused), and a deadline
// that passes while the `delay` built-in waits (DEADLINE_EXCEEDED, recorded as TIMEOUT). The deadline
// travels as a header only, so the answer is the server's, not a client library's own.

const MALFORMED_GRPC = "malformed grpc-timeout header";
const MALFORMED_CONNECT = "malformed connect-timeout-ms header";
// Waits ten minutes unless the call ends first (its own budget is ten minutes too).
const WAIT = {
  target: { case: "connectorSlug", value: "delay" },
  command: "wait",
  params: { delayMs: 600_000 },
  metadata: { timeoutMs: 600_000 },
} as const;
const WAIT_JSON = {
  connectorSlug: "delay",
  command: "wait",
  params: { delayMs: 600_000 },
  metadata: { timeoutMs: 600_000 },
};
const PASSED = /^the call's deadline passed after \d+ ms$/;

describe("deadlines over the wire", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  const grpcCall = (timeout: string, body: Uint8Array) =>
    h2Request(t.url, {
      path: EXECUTE,
      headers: { ...grpcHeaders(t.adminKey), "grpc-timeout": timeout },
      body: frame(body),
    });

  /** The execution record of a failed call, by the id in its ExecutionFailure detail. */
  const recordOf = async (trailers: Record<string, string>) => {
    const id = findTrailerError(new Headers(trailers))?.findDetails(ExecutionFailureSchema)[0]?.executionId;
    expect(id).toBeDefined();
    const answer = await http1Request(t.url, {
      path: "/patchbay.v1.ExecuteService/GetExecution",
      headers: connectJsonHeaders(t.adminKey),
      body: json({ id }),
    });
    return (JSON.parse(text(answer.body)) as { execution: Record<string, unknown> }).execution;
  };

  describe("grpc-timeout", () => {
    it.each(["99999999u", "60000m", "60S", "1M", "1H"])(
      "runs a call under grpc-timeout %s",
      async (timeout) => {
        const answer = await grpcCall(timeout, executeBytes(echoRequest("hi")));
        expect(answer.status).toBe(200);
        expect(answer.trailers["grpc-status"]).toBe("0");
        expect(framesOf(answer.body)).toHaveLength(1);
      },
    );

    it("lowers a deadline past the one-hour cap instead of refusing it (99999999H)", async () => {
      const answer = await grpcCall("99999999H", executeBytes(echoRequest("hi")));
      expect(answer.trailers["grpc-status"]).toBe("0");
    });

    // Deadlines this short may pass before the call reaches the command (in the key lookup or the rate
    // limit), so only the code is certain; the unit is read right or the call would wait ten minutes.
    it.each(["99999999n", "1n", "1u", "1m"])(
      "ends a waiting call under grpc-timeout %s with DEADLINE_EXCEEDED",
      async (timeout) => {
        const answer = await grpcCall(timeout, executeBytes(WAIT));
        expect(answer.status).toBe(200);
        expect(answer.body.byteLength).toBe(0);
        expect(answer.trailers["grpc-status"]).toBe("4");
      },
    );

    it("ends a call whose deadline passes while it waits with DEADLINE_EXCEEDED naming the deadline", async () => {
      const answer = await grpcCall("3S", executeBytes(WAIT));
      expect(answer.status).toBe(200);
      expect(answer.body.byteLength).toBe(0);
      expect(answer.trailers["grpc-status"]).toBe("4");
      expect(answer.trailers["grpc-message"]).toMatch(PASSED);
      const record = await recordOf(answer.trailers);
      expect(record).toMatchObject({
        connectorSlug: "delay",
        status: "failed",
        code: "deadline_exceeded",
        errorCode: "TIMEOUT",
        message: answer.trailers["grpc-message"],
        protocol: "grpc",
      });
    });

    it.each(["123456789m", "1x", "m", "-1m", "1.5S", "1 S", "S1"])(
      "refuses grpc-timeout %j with INVALID_ARGUMENT before the call runs",
      async (timeout) => {
        const answer = await grpcCall(timeout, executeBytes(echoRequest("hi")));
        expect(answer.status).toBe(200);
        expect(answer.body.byteLength).toBe(0);
        // Refused at the edge: the request id is in the headers, and no rate-limit headers (no call ran).
        expect(answer.headers["x-request-id"]).toBeDefined();
        expect(answer.trailers).toEqual({ "grpc-status": "3", "grpc-message": MALFORMED_GRPC });
      },
    );

    it("refuses a malformed grpc-timeout over gRPC-Web in the trailer frame", async () => {
      const answer = await http1Request(t.url, {
        path: EXECUTE,
        headers: { ...grpcWebHeaders(t.adminKey), "grpc-timeout": "1x" },
        body: frame(executeBytes(echoRequest("hi"))),
      });
      expect(answer.status).toBe(200);
      expect(trailerFrame(answer.body)).toEqual({ "grpc-status": "3", "grpc-message": MALFORMED_GRPC });
    });

    it("ends a waiting gRPC-Web call at its deadline with DEADLINE_EXCEEDED in the trailer frame", async () => {
      const answer = await http1Request(t.url, {
        path: EXECUTE,
        headers: { ...grpcWebHeaders(t.adminKey), "grpc-timeout": "3S" },
        body: frame(executeBytes(WAIT)),
      });
      expect(answer.status).toBe(200);
      expect(framesOf(answer.body).map((f) => f.flags)).toEqual([0x80]);
      const trailer = trailerFrame(answer.body);
      expect(trailer["grpc-status"]).toBe("4");
      expect(trailer["grpc-message"]).toMatch(PASSED);
    });
  });

  describe("connect-timeout-ms", () => {
    const connectCall = (timeout: string, body: unknown) =>
      http1Request(t.url, {
        path: EXECUTE,
        headers: { ...connectJsonHeaders(t.adminKey), "connect-timeout-ms": timeout },
        body: json(body),
      });
    const echo = { connectorSlug: "echo", command: "echo", params: { message: "hi" } };

    it.each(["60000", "9999999999"])("runs a call under connect-timeout-ms %s", async (timeout) => {
      const answer = await connectCall(timeout, echo);
      expect(answer.status).toBe(200);
      expect(JSON.parse(text(answer.body))).toMatchObject({ payload: { message: "hi" } });
    });

    it.each(["abc", "-1", "1.5", "12345678901", "1e3"])(
      "refuses connect-timeout-ms %j with 400 invalid_argument",
      async (timeout) => {
        const answer = await connectCall(timeout, echo);
        expect(answer.status).toBe(400);
        expect(answer.headers["x-ratelimit-limit"]).toBeUndefined();
        expect(JSON.parse(text(answer.body))).toEqual({
          code: "invalid_argument",
          message: MALFORMED_CONNECT,
        });
      },
    );

    it("ends a call whose deadline passes while it waits with 504 deadline_exceeded and its ExecutionFailure", async () => {
      const answer = await connectCall("3000", WAIT_JSON);
      expect(answer.status).toBe(504);
      const body = JSON.parse(text(answer.body)) as { message: string };
      expect(body).toEqual({
        code: "deadline_exceeded",
        message: expect.stringMatching(PASSED),
        details: [
          {
            type: "patchbay.v1.ExecutionFailure",
            value: expect.any(String),
            debug: {
              executionId: expect.any(String),
              errorCode: "TIMEOUT",
              failureClass: "timeout",
              diagnostics: {},
              variables: {},
              // Only asked for with metadata.return_log_lines.
              logLines: [],
            },
          },
        ],
      });
    });
  });

  describe("clients' own deadlines", () => {
    it("connect-es gRPC and Connect clients see DEADLINE_EXCEEDED", async () => {
      for (const transport of [
        createGrpcTransport({ baseUrl: t.url }),
        createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }),
      ]) {
        const client = createClient(ExecuteService, transport);
        const error = await client
          .execute(WAIT, { headers: { authorization: `Bearer ${t.adminKey}` }, timeoutMs: 1000 })
          .catch((e: unknown) => ConnectError.from(e));
        expect(error).toBeInstanceOf(ConnectError);
        expect((error as ConnectError).code).toBe(Code.DeadlineExceeded);
      }
    });

    it("@grpc/grpc-js sees DEADLINE_EXCEEDED", async () => {
      const v1 = (loadPatchbayProtos().patchbay as grpc.GrpcObject).v1 as grpc.GrpcObject;
      const Execute = v1.ExecuteService as unknown as new (
        address: string,
        credentials: grpc.ChannelCredentials,
      ) => grpc.Client;
      const client = new Execute(`127.0.0.1:${t.port}`, grpc.credentials.createInsecure());
      try {
        const metadata = bearer(t.adminKey);
        const call = new Promise<grpc.ServiceError>((resolve) => {
          client.makeUnaryRequest(
            "/patchbay.v1.ExecuteService/Execute",
            (value: Buffer) => value,
            (value: Buffer) => value,
            Buffer.from(executeBytes(WAIT)),
            metadata,
            { deadline: Date.now() + 1000 },
            (error) => resolve(error as grpc.ServiceError),
          );
        });
        expect(await call).toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
        // The channel still serves a call afterwards.
        const { response } = await unary<{ payload: { fields: Record<string, { stringValue: string }> } }>(
          client,
          "execute",
          { connectorSlug: "echo", command: "echo", params: { fields: { message: { stringValue: "ok" } } } },
          bearer(t.adminKey),
        );
        expect(response.payload.fields.message?.stringValue).toBe("ok");
      } finally {
        client.close();
      }
    });
  });
});
