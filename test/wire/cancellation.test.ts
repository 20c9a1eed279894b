import http from "node:http";
import http2 from "node:http2";
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
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
  LIST_EXECUTIONS,
  text,
} from "./raw-wire.ts";

// A client that gives up while its call waits in the `delay` built-in: an HTTP/2 RST_STREAM (CANCEL), an
// HTTP/1.1 socket closed mid-request, a connect-es client's abort. The execution record says CANCELED
// (docs/errors.md), the request log says canceled, and the server answers the next call on the same
// HTTP/2 connection and on a new one. An idempotency key makes the record visible ("running") while the
// call waits, so the cancel is sent only once the call is inside the command.

type Execution = Record<string, unknown> & { status: string; stepId: string };

// Waits ten minutes unless the call ends first; the step id finds its record.
const waitJson = (stepId: string) => ({
  connectorSlug: "delay",
  command: "wait",
  params: { delayMs: 600_000 },
  metadata: { timeoutMs: 600_000, stepId, idempotencyKey: stepId },
});
const waitBytes = (stepId: string) =>
  executeBytes({
    target: { case: "connectorSlug", value: "delay" },
    command: "wait",
    params: { delayMs: 600_000 },
    metadata: { timeoutMs: 600_000, stepId, idempotencyKey: stepId },
  });

const CANCELED = {
  status: "failed",
  code: "deadline_exceeded",
  errorCode: "CANCELED",
  message: "the caller canceled the call",
};

describe("cancellation over the wire", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** The step's execution record once `done` holds for it (polled for up to 30 s). */
  async function recordOf(stepId: string, done: (e: Execution) => boolean): Promise<Execution> {
    const until = Date.now() + 30_000;
    for (;;) {
      const answer = await http1Request(t.url, {
        path: LIST_EXECUTIONS,
        headers: connectJsonHeaders(t.adminKey),
        body: json({ connectorSlug: "delay", pageSize: 200 }),
      });
      const { executions } = JSON.parse(text(answer.body)) as { executions: Execution[] };
      const found = executions.find((e) => e.stepId === stepId);
      if (found !== undefined && done(found)) return found;
      if (Date.now() > until) throw new Error(`no such record for ${stepId}: ${JSON.stringify(found)}`);
      await sleep(200);
    }
  }
  const running = (stepId: string) => recordOf(stepId, (e) => e.status === "running");
  const ended = (stepId: string) => recordOf(stepId, (e) => e.status !== "running");

  /** The request log's line for the call with this request id (polled). */
  async function logLineOf(reqId: string): Promise<Record<string, unknown>> {
    const until = Date.now() + 30_000;
    for (;;) {
      const line = t.logs.lines().find((l) => l.reqId === reqId && l.procedure !== undefined);
      if (line !== undefined) return line;
      if (Date.now() > until) throw new Error(`no request log line for ${reqId}`);
      await sleep(200);
    }
  }

  const echoOver = async (session: http2.ClientHttp2Session) => {
    const stream = session.request({ ":method": "POST", ":path": EXECUTE, ...grpcHeaders(t.adminKey) });
    const chunks: Buffer[] = [];
    let status: string | undefined;
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("trailers", (trailers) => {
      status = String(trailers["grpc-status"]);
    });
    stream.end(frame(executeBytes(echoRequest("after"))));
    await new Promise((resolve, reject) => {
      stream.once("close", resolve);
      stream.once("error", reject);
    });
    return { status, frames: framesOf(new Uint8Array(Buffer.concat(chunks))) };
  };

  it("records a gRPC call reset with RST_STREAM (CANCEL) as CANCELED and serves the same connection on", async () => {
    const stepId = "cancel-grpc-h2";
    const session = http2.connect(t.url);
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": EXECUTE,
        ...grpcHeaders(t.adminKey),
        "x-request-id": stepId,
      });
      const closed = new Promise((resolve) => stream.once("close", resolve));
      stream.on("error", () => undefined);
      stream.end(frame(waitBytes(stepId)));
      expect(await running(stepId)).toMatchObject({ status: "running", protocol: "grpc" });
      stream.close(http2.constants.NGHTTP2_CANCEL);
      await closed;
      expect(stream.rstCode).toBe(http2.constants.NGHTTP2_CANCEL);
      expect(await ended(stepId)).toMatchObject({ ...CANCELED, protocol: "grpc" });
      expect(await logLineOf(stepId)).toMatchObject({
        procedure: "/patchbay.v1.ExecuteService/Execute",
        protocol: "grpc",
        code: "canceled",
      });
      // The same connection serves the next call.
      const next = await echoOver(session);
      expect(next.status).toBe("0");
      expect(next.frames).toHaveLength(1);
    } finally {
      session.close();
    }
  });

  it.each([
    ["Connect JSON", "connect", connectJsonHeaders, (id: string) => json(waitJson(id))],
    ["gRPC-Web", "grpc-web", grpcWebHeaders, (id: string) => frame(waitBytes(id))],
  ] as const)(
    "records a %s call over h2c reset with RST_STREAM as CANCELED",
    async (_, protocol, headers, body) => {
      const stepId = `cancel-${protocol}-h2`;
      const session = http2.connect(t.url);
      try {
        const stream = session.request({
          ":method": "POST",
          ":path": EXECUTE,
          ...headers(t.adminKey),
          "x-request-id": stepId,
        });
        const closed = new Promise((resolve) => stream.once("close", resolve));
        stream.on("error", () => undefined);
        stream.end(body(stepId));
        expect(await running(stepId)).toMatchObject({ status: "running", protocol });
        stream.close(http2.constants.NGHTTP2_CANCEL);
        await closed;
        expect(await ended(stepId)).toMatchObject({ ...CANCELED, protocol });
        expect(await logLineOf(stepId)).toMatchObject({ protocol, code: "canceled" });
        expect((await echoOver(session)).status).toBe("0");
      } finally {
        session.close();
      }
    },
  );

  it.each([
    ["Connect JSON", "connect", connectJsonHeaders, (id: string) => json(waitJson(id))],
    ["gRPC-Web", "grpc-web", grpcWebHeaders, (id: string) => frame(waitBytes(id))],
  ] as const)(
    "records a %s call whose HTTP/1.1 socket closes as CANCELED",
    async (_, protocol, headers, body) => {
      const stepId = `cancel-${protocol}-h1`;
      const agent = new http.Agent({ keepAlive: false });
      const req = http.request(`${t.url}${EXECUTE}`, {
        method: "POST",
        headers: { ...headers(t.adminKey), "x-request-id": stepId },
        agent,
      });
      const closed = new Promise((resolve) => req.once("close", resolve));
      req.on("error", () => undefined);
      req.end(body(stepId));
      try {
        expect(await running(stepId)).toMatchObject({ status: "running", protocol });
        req.destroy();
        await closed;
        expect(await ended(stepId)).toMatchObject({ ...CANCELED, protocol });
        expect(await logLineOf(stepId)).toMatchObject({ protocol, code: "canceled" });
      } finally {
        agent.destroy();
      }
    },
  );

  it("records a connect-es gRPC call aborted by its signal as CANCELED; the client sees CANCELED", async () => {
    const stepId = "cancel-connect-es";
    const client = createClient(ExecuteService, createGrpcTransport({ baseUrl: t.url }));
    const abort = new AbortController();
    const call = client
      .execute(
        {
          target: { case: "connectorSlug", value: "delay" },
          command: "wait",
          params: { delayMs: 600_000 },
          metadata: { timeoutMs: 600_000, stepId, idempotencyKey: stepId },
        },
        { headers: { authorization: `Bearer ${t.adminKey}` }, signal: abort.signal },
      )
      .catch((e: unknown) => ConnectError.from(e));
    await running(stepId);
    abort.abort();
    const error = await call;
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Canceled);
    expect(await ended(stepId)).toMatchObject({ ...CANCELED, protocol: "grpc" });
  });

  it("answers calls on a new connection after the cancellations", async () => {
    const answer = await h2Request(t.url, {
      path: EXECUTE,
      headers: grpcHeaders(t.adminKey),
      body: frame(executeBytes(echoRequest("still here"))),
    });
    expect(answer.trailers["grpc-status"]).toBe("0");
    expect(t.logs.text()).not.toMatch(/"level":"(error|fatal)"/);
  });
});
