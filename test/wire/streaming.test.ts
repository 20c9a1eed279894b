import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentMessage, AgentMessageSchema, AgentService } from "../../gen/patchbay/agent/v1/agent_pb.ts";
import { createMessageQueue } from "../../src/agents/message-queue.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import { AGENT_CONNECT, frame, framesOf, grpcHeaders, h2Request, http1Request, text } from "./raw-wire.ts";

// The one streaming procedure (AgentService.Connect, bidirectional, HTTP/2 only) stays on Connect's
// generic path: its answers on the wire (gRPC trailers, the Connect end-stream frame, 505 on HTTP/1.1)
// and a real agent's Hello → Welcome over gRPC and the Connect protocol.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NOT_HELLO = "the first message of an agent's stream must be hello";

describe("the bidirectional stream over the wire", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("answers a gRPC stream without a key UNAUTHENTICATED in trailers", async () => {
    const { authorization: _, ...headers } = grpcHeaders("");
    const answer = await h2Request(t.url, { path: AGENT_CONNECT, headers, body: frame(new Uint8Array()) });
    expect(answer.status).toBe(200);
    expect(answer.body.byteLength).toBe(0);
    expect(answer.trailers).toMatchObject({
      "grpc-status": "16",
      "grpc-message": "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
      "x-request-id": expect.stringMatching(UUID),
    });
  });

  it("answers a gRPC stream whose first message is not Hello INVALID_ARGUMENT, the request id in headers and trailers", async () => {
    const answer = await h2Request(t.url, {
      path: AGENT_CONNECT,
      headers: { ...grpcHeaders(t.adminKey), "x-request-id": "stream-1" },
      body: frame(new Uint8Array()),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/grpc+proto");
    expect(answer.headers["x-request-id"]).toBe("stream-1");
    expect(answer.body.byteLength).toBe(0);
    expect(answer.trailers).toEqual({
      "grpc-status": "3",
      "grpc-message": NOT_HELLO,
      "x-request-id": "stream-1",
    });
  });

  it("answers a Connect stream's error in its end-stream frame", async () => {
    const answer = await h2Request(t.url, {
      path: AGENT_CONNECT,
      headers: {
        authorization: `Bearer ${t.adminKey}`,
        "content-type": "application/connect+json",
        "x-request-id": "stream-2",
      },
      body: frame(new TextEncoder().encode("{}")),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/connect+json");
    const frames = framesOf(answer.body);
    expect(frames.map((f) => f.flags)).toEqual([0b10]);
    expect(JSON.parse(text(frames[0]?.data ?? new Uint8Array()))).toEqual({
      error: { code: "invalid_argument", message: NOT_HELLO },
      metadata: { "x-request-id": ["stream-2"] },
    });
  });

  it("answers the stream over HTTP/1.1 with 505", async () => {
    const answer = await http1Request(t.url, {
      path: AGENT_CONNECT,
      headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/connect+json" },
      body: frame(new TextEncoder().encode("{}")),
    });
    expect(answer.status).toBe(505);
    expect(answer.headers["x-request-id"]).toMatch(UUID);
  });

  it.each(["grpc", "connect"] as const)("welcomes an agent's Hello over %s", async (via) => {
    const pool = `wire-${via}`;
    const { key } = await t.server.keys.create({
      tenantId: "default",
      subject: `agent-${pool}`,
      name: "agent",
      scopes: ["agent"],
      agentPool: pool,
    });
    const transport =
      via === "grpc"
        ? createGrpcTransport({ baseUrl: t.url })
        : createConnectTransport({ baseUrl: t.url, httpVersion: "2" });
    const outbox = createMessageQueue<AgentMessage>();
    outbox.push(
      create(AgentMessageSchema, {
        kind: { case: "hello", value: { agentId: "a-1", name: "wire", version: "0", pool, capacity: 1 } },
      }),
    );
    const abort = new AbortController();
    const stream = createClient(AgentService, transport)
      .connect(outbox, { headers: { authorization: `Bearer ${key}` }, signal: abort.signal })
      [Symbol.asyncIterator]();
    try {
      let first = await stream.next();
      while (first.done !== true && first.value.kind.case === "heartbeat") first = await stream.next();
      expect(first.done).not.toBe(true);
      expect(first.value?.kind.case).toBe("welcome");
    } finally {
      // The agent leaves; how its stream ends is not what this test is about.
      abort.abort();
      await stream.next().catch(() => undefined);
    }
  });
});
