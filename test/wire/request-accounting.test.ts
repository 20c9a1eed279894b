import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import {
  connectJsonHeaders,
  EXECUTE,
  echoRequest,
  executeBytes,
  frame,
  GET_CONNECTOR,
  grpcHeaders,
  grpcWebHeaders,
  h2Request,
  http1Request,
  json,
  type RawAnswer,
} from "./raw-wire.ts";

// Every call writes exactly one request log line (request id, procedure, protocol, code, and the principal
// once the key is known) and counts once in patchbay_rpc_requests_total, whether it succeeded, failed in
// the interceptors or the handler, or was refused before them (unreadable, a bad deadline header, a
// content type that is not served).

const REQUESTS = "patchbay_rpc_requests_total";

interface Case {
  readonly name: string;
  readonly send: (t: TestServer, reqId: string) => Promise<RawAnswer>;
  readonly procedure: string;
  readonly protocol: string;
  readonly code: string;
  /** Whether the log line names the caller (the key was read). */
  readonly principal: boolean;
}

const grpc = (t: TestServer, reqId: string, body: Uint8Array, key = t.adminKey, extra = {}) =>
  h2Request(t.url, {
    path: EXECUTE,
    headers: { ...grpcHeaders(key), "x-request-id": reqId, ...extra },
    body,
  });

const CASES: readonly Case[] = [
  {
    name: "a gRPC success",
    send: (t, id) => grpc(t, id, frame(executeBytes(echoRequest("a")))),
    procedure: EXECUTE,
    protocol: "grpc",
    code: "ok",
    principal: true,
  },
  {
    name: "a gRPC call of an unknown connector",
    send: (t, id) => grpc(t, id, frame(executeBytes({ target: { case: "connectorSlug", value: "nope" } }))),
    procedure: EXECUTE,
    protocol: "grpc",
    code: "not_found",
    principal: true,
  },
  {
    name: "a gRPC message that does not decode",
    send: (t, id) => grpc(t, id, frame(new Uint8Array([0xff]))),
    procedure: EXECUTE,
    protocol: "grpc",
    code: "invalid_argument",
    principal: false,
  },
  {
    name: "a gRPC call with an unsupported encoding",
    send: (t, id) =>
      grpc(t, id, frame(executeBytes(echoRequest("a")), 1), t.adminKey, { "grpc-encoding": "snappy" }),
    procedure: EXECUTE,
    protocol: "grpc",
    code: "unimplemented",
    principal: false,
  },
  {
    name: "a gRPC-Web call with a malformed grpc-timeout",
    send: (t, id) =>
      http1Request(t.url, {
        path: EXECUTE,
        headers: { ...grpcWebHeaders(t.adminKey), "x-request-id": id, "grpc-timeout": "1x" },
        body: frame(executeBytes(echoRequest("a"))),
      }),
    procedure: EXECUTE,
    protocol: "grpc-web",
    code: "invalid_argument",
    principal: false,
  },
  {
    name: "a Connect call without a key",
    send: (t, id) =>
      http1Request(t.url, {
        path: EXECUTE,
        headers: { "content-type": "application/json", "x-request-id": id },
        body: json({ connectorSlug: "echo" }),
      }),
    procedure: EXECUTE,
    protocol: "connect",
    code: "unauthenticated",
    principal: false,
  },
  {
    name: "a Connect call of a content type not served",
    send: (t, id) =>
      http1Request(t.url, {
        path: EXECUTE,
        headers: { ...connectJsonHeaders(t.adminKey), "content-type": "text/plain", "x-request-id": id },
        body: json({}),
      }),
    procedure: EXECUTE,
    protocol: "connect",
    code: "invalid_argument",
    principal: false,
  },
  {
    name: "a Connect read of the catalog",
    send: (t, id) =>
      h2Request(t.url, {
        path: GET_CONNECTOR,
        headers: { ...connectJsonHeaders(t.adminKey), "x-request-id": id },
        body: json({ slug: "echo" }),
      }),
    procedure: GET_CONNECTOR,
    protocol: "connect",
    code: "ok",
    principal: true,
  },
];

describe("one log line and one count per call", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  const counted = async (labels: Record<string, string>) => {
    const res = await fetch(`${t.url}/metrics`);
    return sampleValue(parsePrometheusText(await res.text()), REQUESTS, labels);
  };
  /** The request log lines of `reqId`, once there is one (polled for up to 30 s). */
  const linesOf = async (reqId: string) => {
    const find = () => t.logs.lines().filter((l) => l.reqId === reqId && l.msg === "request");
    const until = Date.now() + 30_000;
    while (find().length === 0 && Date.now() < until) await sleep(100);
    return find();
  };

  it.each(CASES.map((c) => [c.name, c] as const))("%s", async (_, c) => {
    const reqId = `acct-${CASES.indexOf(c)}`;
    const labels = { procedure: c.procedure, protocol: c.protocol, code: c.code };
    const before = await counted(labels);
    await c.send(t, reqId);
    const lines = await linesOf(reqId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "info",
      procedure: c.procedure,
      protocol: c.protocol,
      code: c.code,
    });
    expect(typeof lines[0]?.durationMs).toBe("number");
    if (c.principal) expect(lines[0]?.principal).toMatch(/^[0-9a-f-]{36}$/);
    else expect(lines[0]?.principal).toBeUndefined();
    await expect.poll(() => counted(labels)).toBe(before + 1);
  });
});
