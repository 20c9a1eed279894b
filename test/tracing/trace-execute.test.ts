import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, grpc, loadPatchbayProtos, unary } from "../support/grpc-js-client.ts";
import {
  spanAttribute as attribute,
  type OtlpReceiver,
  type OtlpSpan,
  startOtlpReceiver,
} from "../support/otlp-receiver.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
/** What a statement's span may say: the operation, the table, the database and the server. */
const ALLOWED_DB_ATTRIBUTES = new Set([
  "db.system.name",
  "db.operation.name",
  "db.query.summary",
  "db.collection.name",
  "db.namespace",
  "server.address",
  "server.port",
]);
const CALLER_SPAN = "00f067aa0ba902b7";

// One Execute over gRPC with the caller's traceparent, exported to a local OTLP/HTTP receiver: the call's
// span continues the caller's trace, the command's span is its child, the upstream request's span is the
// command's child, and the upstream received that span as its parent. A refused target gets a failed span
// and no request.
describe("traces of an Execute, exported over OTLP/HTTP", () => {
  let t: TestServer;
  let receiver: OtlpReceiver;
  let upstream: Server;
  const upstreamParents: string[] = [];
  const spans: OtlpSpan[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver(spans);
    upstream = createServer((req, res) => {
      upstreamParents.push(String(req.headers.traceparent ?? ""));
      res.setHeader("content-type", "application/json");
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    t = await startTestServer("postgresql", {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: "patchbay-under-test",
    });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await receiver?.close();
    for (const server of [upstream]) {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
    }
  });

  it("links the caller's span, the call, the command and the upstream request into one trace", async () => {
    const Client = ((loadPatchbayProtos().patchbay as grpc.GrpcObject).v1 as grpc.GrpcObject)
      .ExecuteService as grpc.ServiceClientConstructor;
    const client = new Client(t.url.replace(/^http:\/\//, ""), grpc.credentials.createInsecure());
    const metadata = bearer(t.adminKey);
    metadata.set("traceparent", `00-${TRACE_ID}-${CALLER_SPAN}-01`);
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/traced`;
    try {
      await unary(
        client,
        "execute",
        {
          connectorSlug: "http",
          command: "request",
          params: { fields: { url: { stringValue: upstreamUrl }, method: { stringValue: "GET" } } },
        },
        metadata,
      );
    } finally {
      client.close();
    }
    await expect
      .poll(() => spans.filter((s) => s.traceId === TRACE_ID).length, { timeout: 60_000 })
      .toBeGreaterThanOrEqual(5);
    const ours = spans.filter((s) => s.traceId === TRACE_ID);
    const call = ours.find((s) => s.name === "patchbay.v1.ExecuteService/Execute");
    const command = ours.find((s) => s.name === "connector command");
    const request = ours.find((s) => s.name === "GET");
    expect(call?.parentSpanId).toBe(CALLER_SPAN);
    expect(attribute(call, "rpc.system")).toBe("grpc");
    expect(attribute(call, "rpc.method")).toBe("Execute");
    expect(attribute(call, "rpc.response.status_code")).toBe("ok");
    expect(command?.parentSpanId).toBe(call?.spanId);
    // Authentication and the connector's resolution are the call's children too.
    for (const step of ["authenticate", "resolve connector"]) {
      expect(ours.find((s) => s.name === step)?.parentSpanId, step).toBe(call?.spanId);
    }
    expect(attribute(command, "patchbay.connector")).toBe("http");
    expect(request?.parentSpanId).toBe(command?.spanId);
    expect(attribute(request, "http.response.status_code")).toBe(200);
    // The upstream was told the request's own span as its parent.
    expect(upstreamParents).toContain(`00-${TRACE_ID}-${request?.spanId}-01`);
    // No attribute carries the URL's path or the key.
    const text = JSON.stringify(ours);
    expect(text).not.toContain("/traced");
    expect(text).not.toContain(t.adminKey.slice(0, 12));
    // The call's log line names its trace.
    expect(
      t.logs.lines().some((l) => l.msg === "request" && l.traceId === TRACE_ID && l.spanId === call?.spanId),
    ).toBe(true);
  }, 120_000);

  it("marks a refused request's span failed with its code, and sends nothing", async () => {
    const before = upstreamParents.length;
    const res = await fetch(`${t.url}/api/v1/connectors/http/execute`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${t.adminKey}`,
        "content-type": "application/json",
        traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01`,
      },
      body: JSON.stringify({
        command: "request",
        params: { url: `http://127.0.0.2:${(upstream.address() as AddressInfo).port}/refused` },
      }),
    });
    await res.arrayBuffer();
    expect(res.status).not.toBe(200);
    await expect
      .poll(() => spans.some((s) => s.traceId === "a".repeat(32) && s.name === "GET"), { timeout: 60_000 })
      .toBe(true);
    const refused = spans.find((s) => s.traceId === "a".repeat(32) && s.name === "GET");
    expect(refused?.status?.code).toBe(2);
    expect(refused?.status?.message).toBe("EGRESS_REFUSED");
    expect(upstreamParents.length).toBe(before);
  }, 120_000);

  it("traces the call's database statements as its client spans, without their text or values", async () => {
    const traceId = "c".repeat(32);
    const key = "idem-trace-statements-7f3a";
    const res = await fetch(`${t.url}/api/v1/connectors/echo/execute`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${t.adminKey}`,
        "content-type": "application/json",
        traceparent: `00-${traceId}-${"d".repeat(16)}-01`,
      },
      body: JSON.stringify({
        command: "echo",
        params: { text: "statement-secret-text" },
        metadata: { idempotencyKey: key },
      }),
    });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    const call = () =>
      spans.find((s) => s.traceId === traceId && s.name === "patchbay.v1.ExecuteService/Execute");
    const statements = () =>
      spans.filter((s) => s.traceId === traceId && attribute(s, "db.system.name") === "postgresql");
    // The idempotency claim reads, inserts and (once the command ran) updates the execution's row.
    await expect
      .poll(() => statements().map((s) => s.name), { timeout: 60_000 })
      .toEqual(expect.arrayContaining(["SELECT executions", "INSERT executions", "UPDATE executions"]));
    await expect.poll(() => call()?.spanId, { timeout: 60_000 }).toBeDefined();
    const ours = new Set(spans.filter((s) => s.traceId === traceId).map((s) => s.spanId));
    for (const statement of statements()) {
      expect(statement.kind, statement.name).toBe(3); // SPAN_KIND_CLIENT
      expect(ours.has(statement.parentSpanId ?? ""), statement.name).toBe(true);
      expect(attribute(statement, "server.address")).toBe("127.0.0.1");
      expect(attribute(statement, "db.operation.name")).toBe(statement.name.split(" ")[0]);
      expect(
        (statement.attributes ?? []).map((a) => a.key).filter((k) => !ALLOWED_DB_ATTRIBUTES.has(k)),
      ).toEqual([]);
    }
    // The claim runs in the handler: its statements are the call's own children.
    const insert = statements().find((s) => s.name === "INSERT executions");
    expect(insert?.parentSpanId).toBe(call()?.spanId);
    const text = JSON.stringify(statements());
    expect(text).not.toContain(key);
    expect(text).not.toContain("statement-secret-text");
    expect(text).not.toContain("$1");
  }, 120_000);
});
