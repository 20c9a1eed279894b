import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  type DescMethod,
  type DescMethodUnary,
  type DescService,
  type FileRegistry,
  fromJson,
} from "@bufbuild/protobuf";
import { Code, ConnectError, createConnectRouter } from "@connectrpc/connect";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/logging/logger.ts";
import type { RawHandler, RawReply, RawRequest } from "../../../src/protocol/raw-handler.ts";
import { createRequestLog } from "../../../src/server/interceptors/log-request.ts";
import { createRestBridge } from "../../../src/server/rest/rest-bridge.ts";
import { LogCapture } from "../../support/log-capture.ts";
import { compileProto, serviceOf } from "./compile-proto.ts";

// A raw handler is served straight from the HTTP request, yet answers under the bridge's contract: the
// route from its rule, the body limit, x-request-id, the error body with x-patchbay-error, the log line.
const PROTO = `
syntax = "proto3";
package test.v1;
import "google/api/annotations.proto";
import "google/api/httpbody.proto";
import "patchbay/v1/common.proto";

message Ingest { string kind = 1; string id = 2; google.api.HttpBody body = 3; }
message Other { string name = 1; string rest = 2; }

service IngestService {
  rpc Receive(Ingest) returns (google.api.HttpBody) {
    option (patchbay.v1.access) = {public: true};
    option (patchbay.v1.rest) = {success_statuses: [204]};
    option (google.api.http) = {post: "/api/v1/ingest/{kind}/{id}" body: "body"};
  }
  rpc Peek(Ingest) returns (google.api.HttpBody) {
    option (google.api.http) = {get: "/api/v1/ingest/{kind}/{id}"};
  }
  rpc Unrouted(Other) returns (Other) {}
}

service WideService {
  rpc Wide(Other) returns (Other) {
    option (google.api.http) = {post: "/api/v1/ingest/{name}/{rest=**}" body: "*"};
  }
}
`;

/** What the test's raw handler does next. */
type Behaviour = (request: RawRequest) => Promise<RawReply>;

const text = (value: string) => new Uint8Array(Buffer.from(value));

// DescMethod's methodKind is a plain union, so narrowing on it does not reach DescMethodUnary.
function isUnary(method: DescMethod): method is DescMethodUnary {
  return method.methodKind === "unary";
}

describe("the REST bridge's raw handlers", () => {
  let registry: FileRegistry;
  let service: DescService;
  let server: http.Server;
  let base: string;
  const logs = new LogCapture();
  const seen: RawRequest[] = [];
  const connectCalls: string[] = [];
  let behaviour: Behaviour;

  const method = (name: string) => {
    const found = service.methods.find((m) => m.name === name);
    if (found === undefined) throw new Error(`no method ${name}`);
    return found;
  };

  /** The bridge over `services`, whose Receive and Peek also have Connect handlers. */
  function bridgeWith(rawHandlers: readonly RawHandler[], services = [service]) {
    const logger = createLogger({ level: "info", format: "json", destination: logs.stream });
    const router = createConnectRouter();
    for (const name of ["Receive", "Peek"]) {
      const unary = method(name);
      if (!isUnary(unary)) throw new Error(`${name} is not unary`);
      const answer = { contentType: "text/plain", data: Buffer.from(`connect ${name}`).toString("base64") };
      router.rpc(unary, async () => {
        connectCalls.push(name);
        return fromJson(unary.output, answer, { registry });
      });
    }
    return createRestBridge({
      handlers: router.handlers,
      services,
      maxBodyBytes: 16,
      logger,
      raw: { handlers: rawHandlers, requestLog: createRequestLog(logger) },
    });
  }

  beforeAll(async () => {
    registry = await compileProto(PROTO);
    service = serviceOf(registry, "test.v1.IngestService");
    const bridge = bridgeWith([
      {
        method: method("Receive"),
        serve: (request) => {
          seen.push(request);
          return behaviour(request);
        },
      },
    ]);
    server = http.createServer((req, res) => bridge.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen.length = 0;
    connectCalls.length = 0;
    logs.chunks.length = 0;
    behaviour = async () => ({ status: 200, contentType: "text/plain", body: text("ok") });
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: "POST", body, headers: { "content-type": "text/plain", ...headers } });

  it("hands the handler the rule's path variables, the body and the request id", async () => {
    const response = await post("/api/v1/ingest/stripe/e1?x=1", "hello", { "x-request-id": "req-1" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ok");
    expect(response.headers.get("x-request-id")).toBe("req-1");
    expect(response.headers.get("content-type")).toBe("text/plain");
    expect(seen).toHaveLength(1);
    expect(seen[0]?.pathValues).toEqual(["stripe", "e1"]);
    expect(Buffer.from(seen[0]?.body ?? []).toString()).toBe("hello");
    expect(seen[0]?.requestId).toBe("req-1");
    expect(seen[0]?.req.url).toBe("/api/v1/ingest/stripe/e1?x=1");
    expect(connectCalls).toEqual([]);
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        msg: "request",
        reqId: "req-1",
        procedure: "/test.v1.IngestService/Receive",
        protocol: "rest",
        code: "ok",
      }),
    ]);
  });

  it("answers a declared success status, and 200 for one the method does not declare", async () => {
    behaviour = async () => ({ status: 204, contentType: "", body: new Uint8Array(0) });
    const empty = await post("/api/v1/ingest/a/b", "");
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe("");
    behaviour = async () => ({ status: 201, contentType: "", body: text("made") });
    const undeclared = await post("/api/v1/ingest/a/b", "");
    expect(undeclared.status).toBe(200);
    expect(undeclared.headers.get("content-type")).toBe("application/octet-stream");
  });

  it("refuses a body over the limit as the bridge does, without calling the handler", async () => {
    const response = await post("/api/v1/ingest/a/b", "x".repeat(17), { "x-request-id": "big" });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      code: "resource_exhausted",
      message: "the request body exceeds 16 bytes",
      details: [],
    });
    expect(response.headers.get("x-patchbay-error")).toBe("the request body exceeds 16 bytes");
    expect(response.headers.get("x-request-id")).toBe("big");
    expect(seen).toEqual([]);
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        msg: "request refused",
        reqId: "big",
        code: "resource_exhausted",
        status: 413,
      }),
    ]);
  });

  it("writes a thrown ConnectError as the REST error of its code", async () => {
    behaviour = async () => {
      throw new ConnectError("unknown thing", Code.NotFound);
    };
    const response = await post("/api/v1/ingest/a/b", "", { "x-request-id": "nf" });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ code: "not_found", message: "unknown thing", details: [] });
    expect(response.headers.get("x-patchbay-error")).toBe("unknown thing");
    expect(response.headers.get("x-request-id")).toBe("nf");
    expect(logs.lines()).toEqual([
      expect.objectContaining({ msg: "request", reqId: "nf", code: "not_found", protocol: "rest" }),
    ]);
  });

  it("answers anything else as internal, its cause only in the log", async () => {
    behaviour = async () => {
      throw new Error("secret detail");
    };
    const response = await post("/api/v1/ingest/a/b", "", { "x-request-id": "boom" });
    expect(response.status).toBe(500);
    const body = (await response.json()) as { code: string; message: string };
    expect(body).toEqual({ code: "internal", message: "internal error (request boom)", details: [] });
    expect(logs.lines()).toEqual([
      expect.objectContaining({ msg: "request failed unexpectedly", reqId: "boom", code: "internal" }),
    ]);
    expect(logs.text()).toContain("secret detail");
  });

  it("writes the request line's fixed fields, and redacts secret-named keys in an unexpected error", async () => {
    const ok = await post("/api/v1/ingest/a/b", "", { "x-request-id": "fixed" });
    expect(ok.status).toBe(200);
    const [line, ...rest] = logs.lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ level: "info", service: "patchbay", msg: "request", reqId: "fixed" });
    expect(Object.keys(line ?? {}).sort()).toEqual(
      ["code", "durationMs", "level", "msg", "procedure", "protocol", "reqId", "service", "time"].sort(),
    );
    expect(typeof line?.durationMs).toBe("number");

    logs.chunks.length = 0;
    behaviour = async () => {
      throw Object.assign(new Error("upstream refused"), {
        token: "SECRET-thrown-token",
        request: { headers: { authorization: "Bearer SECRET-thrown-authz" } },
      });
    };
    expect((await post("/api/v1/ingest/a/b", "", { "x-request-id": "leaky" })).status).toBe(500);
    const [failed] = logs.lines();
    expect(failed).toMatchObject({
      level: "error",
      msg: "request failed unexpectedly",
      reqId: "leaky",
      err: {
        message: "upstream refused",
        token: "[redacted]",
        request: { headers: { authorization: "[redacted]" } },
      },
    });
    expect(logs.text()).not.toContain("SECRET-thrown");
  });

  it("redacts secret-named keys in an INTERNAL error's cause", async () => {
    behaviour = async () => {
      throw new ConnectError("store failed", Code.Internal, undefined, undefined, {
        password: "SECRET-cause-password",
        table: "connections",
      });
    };
    expect((await post("/api/v1/ingest/a/b", "", { "x-request-id": "cause" })).status).toBe(500);
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: "error",
        msg: "request failed",
        reqId: "cause",
        code: "internal",
        err: { password: "[redacted]", table: "connections" },
      }),
    ]);
    expect(logs.text()).not.toContain("SECRET-cause-password");
  });

  it("leaves other HTTP methods on the same path, and URLs with percent-escapes, to the Connect handler", async () => {
    const peek = await fetch(`${base}/api/v1/ingest/a/b`);
    expect(peek.status).toBe(200);
    expect(await peek.text()).toBe("connect Peek");
    const escaped = await post("/api/v1/ingest/a/b%2Dc", "");
    expect(escaped.status).toBe(200);
    expect(await escaped.text()).toBe("connect Receive");
    expect(seen).toEqual([]);
    expect(connectCalls).toEqual(["Peek", "Receive"]);
  });

  it("refuses at start-up a raw handler without a rule, not declared public, or whose rule shares paths", () => {
    const unrouted: RawHandler = { method: method("Unrouted"), serve: behaviour };
    expect(() => bridgeWith([unrouted])).toThrow(/no HTTP rule/);
    // It would skip the interceptors, the API key among them.
    const keyed: RawHandler = { method: method("Peek"), serve: behaviour };
    expect(() => bridgeWith([keyed])).toThrow(/IngestService\.Peek: the RPC is not declared public/);
    const shared: RawHandler = { method: method("Receive"), serve: behaviour };
    const wide = serviceOf(registry, "test.v1.WideService");
    expect(() => bridgeWith([shared], [service, wide])).toThrow(
      /shares paths with \/api\/v1\/ingest\/\{name\}\/\{rest=\*\*\}/,
    );
  });
});
