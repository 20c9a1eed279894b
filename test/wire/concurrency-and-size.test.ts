import http2 from "node:http2";
import { fromBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
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
  h2Request,
  http1Request,
  text,
  trailerFrame,
} from "./raw-wire.ts";

// Many calls at once on one HTTP/2 connection (each answer goes to its own stream, successes and errors
// mixed), and messages of a megabyte each way, which span many DATA frames and the flow-control windows.

// Below the 32 calls in flight a key may have at once (docs/overload.md).
const CALLS = 24;
const MEGABYTE = "m".repeat(1024 * 1024);

describe("concurrent calls and large messages over the wire", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** One gRPC call on `session`: its grpc-status and response frames. */
  const grpcOn = (session: http2.ClientHttp2Session, body: Uint8Array) =>
    new Promise<{ status: string; data: Uint8Array }>((resolve, reject) => {
      const stream = session.request({ ":method": "POST", ":path": EXECUTE, ...grpcHeaders(t.adminKey) });
      const chunks: Buffer[] = [];
      let status = "";
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("trailers", (trailers) => {
        status = String(trailers["grpc-status"]);
      });
      stream.once("error", reject);
      stream.once("close", () => resolve({ status, data: new Uint8Array(Buffer.concat(chunks)) }));
      stream.end(frame(body));
    });
  const echoed = (data: Uint8Array) =>
    fromBinary(ExecuteResponseSchema, framesOf(data)[0]?.data ?? new Uint8Array()).payload?.message;

  it(`answers ${CALLS} gRPC calls at once on one connection, each on its own stream`, async () => {
    const session = http2.connect(t.url);
    try {
      const calls = Array.from({ length: CALLS }, (_, i) =>
        i % 4 === 3
          ? grpcOn(
              session,
              executeBytes({ target: { case: "connectorSlug", value: "no-such" }, command: "x" }),
            )
          : grpcOn(session, executeBytes(echoRequest(`call ${i}`))),
      );
      const answers = await Promise.all(calls);
      answers.forEach((answer, i) => {
        if (i % 4 === 3) {
          expect(answer).toEqual({ status: "5", data: new Uint8Array() });
        } else {
          expect(answer.status).toBe("0");
          expect(echoed(answer.data)).toBe(`call ${i}`);
        }
      });
    } finally {
      session.close();
    }
  });

  it(`answers ${CALLS} @grpc/grpc-js calls at once on one channel`, async () => {
    const v1 = (loadPatchbayProtos().patchbay as grpc.GrpcObject).v1 as grpc.GrpcObject;
    const Execute = v1.ExecuteService as unknown as new (
      address: string,
      credentials: grpc.ChannelCredentials,
    ) => grpc.Client;
    const client = new Execute(`127.0.0.1:${t.port}`, grpc.credentials.createInsecure());
    try {
      const answers = await Promise.all(
        Array.from({ length: CALLS }, (_, i) =>
          unary<{ payload: { fields: Record<string, { stringValue: string }> } }>(
            client,
            "execute",
            {
              connectorSlug: "echo",
              command: "echo",
              params: { fields: { message: { stringValue: `js ${i}` } } },
            },
            bearer(t.adminKey),
          ),
        ),
      );
      expect(answers.map((a) => a.response.payload.fields.message?.stringValue)).toEqual(
        Array.from({ length: CALLS }, (_, i) => `js ${i}`),
      );
    } finally {
      client.close();
    }
  });

  it(`answers ${CALLS} Connect calls at once over one h2c connection`, async () => {
    const client = createClient(
      ExecuteService,
      createConnectTransport({ baseUrl: t.url, httpVersion: "2", useBinaryFormat: true }),
    );
    const answers = await Promise.all(
      Array.from({ length: CALLS }, (_, i) =>
        client.execute(
          {
            target: { case: "connectorSlug", value: "echo" },
            command: "echo",
            params: { message: `c ${i}` },
          },
          { headers: { authorization: `Bearer ${t.adminKey}` } },
        ),
      ),
    );
    expect(answers.map((a) => a.payload?.message)).toEqual(Array.from({ length: CALLS }, (_, i) => `c ${i}`));
  });

  describe("a megabyte each way", () => {
    it("over gRPC", async () => {
      const answer = await h2Request(t.url, {
        path: EXECUTE,
        headers: grpcHeaders(t.adminKey),
        body: frame(executeBytes(echoRequest(MEGABYTE))),
      });
      expect(answer.trailers).toEqual({ "grpc-status": "0" });
      expect(echoed(answer.body)).toBe(MEGABYTE);
    });

    it("over gRPC-Web on HTTP/1.1", async () => {
      const answer = await http1Request(t.url, {
        path: EXECUTE,
        headers: grpcWebHeaders(t.adminKey),
        body: frame(executeBytes(echoRequest(MEGABYTE))),
      });
      expect(trailerFrame(answer.body)).toEqual({ "grpc-status": "0" });
      expect(echoed(answer.body)).toBe(MEGABYTE);
    });

    it("over Connect JSON on h2c and HTTP/1.1", async () => {
      for (const send of [h2Request, http1Request]) {
        const answer = await send(t.url, {
          path: EXECUTE,
          headers: connectJsonHeaders(t.adminKey),
          body: new TextEncoder().encode(echoJson(MEGABYTE)),
        });
        expect(answer.status).toBe(200);
        expect(Number(answer.headers["content-length"])).toBe(answer.body.byteLength);
        expect((JSON.parse(text(answer.body)) as { payload: { message: string } }).payload.message).toBe(
          MEGABYTE,
        );
      }
    });
  });
});
