import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BRIDGE_MARKER_HEADER, ERROR_HEADER, HTTP_STATUS_HEADER } from "../../../src/protocol/headers.ts";
import { describeBridgeTable, jsonBody } from "./bridge-table.ts";
import { compileProto, serviceOf } from "./compile-proto.ts";
import { CONNECT_STATUS_TABLE } from "./connect-status-table.ts";
import { CONTROL, type EchoServer, startEchoServer } from "./echo-server.ts";

// Handler errors, the success-status header, headers both ways, interceptors, unrouted methods.
const PROTO = `
syntax = "proto3";
package test.v1;
import "google/api/annotations.proto";
import "patchbay/v1/common.proto";

message Req { string name = 1; }

service HeaderService {
  rpc GetThing(Req) returns (Req) { option (google.api.http) = {get: "/api/v1/things/{name}"}; }
  rpc CreateThing(Req) returns (Req) {
    option (google.api.http) = {post: "/api/v1/things" body: "*"};
    option (patchbay.v1.rest) = {success_statuses: [201]};
  }
  // Streaming RPCs are not bridged, whatever their annotations say.
  rpc WatchThings(Req) returns (stream Req) { option (google.api.http) = {get: "/api/v1/watch"}; }
  // No HttpRule: reachable over Connect only.
  rpc Hidden(Req) returns (Req);
}
`;

const failWith = (code: Code) => ({ [CONTROL.error]: String(code) });

describeBridgeTable("errors and headers", {
  proto: PROTO,
  service: "test.v1.HeaderService",
  rows: [
    {
      name: "a handler's ConnectError becomes its HTTP status, the Connect JSON error and x-patchbay-error",
      method: "GET",
      path: "/api/v1/things/x",
      headers: failWith(Code.FailedPrecondition),
      status: 400,
      reaches: "GetThing",
      error: { code: "failed_precondition", mentions: "nope" },
      responseHeaders: { [ERROR_HEADER]: "nope" },
    },
    {
      name: "error details travel in the Connect shape (type, unpadded base64 value, debug)",
      method: "GET",
      path: "/api/v1/things/x",
      headers: { ...failWith(Code.InvalidArgument), [CONTROL.errorDetail]: "why" },
      status: 400,
      reaches: "GetThing",
      error: {
        code: "invalid_argument",
        mentions: "nope",
        details: [{ type: "google.protobuf.StringValue", value: "CgN3aHk", debug: "why" }],
      },
    },
    {
      name: "x-patchbay-error carries the message on one printable line; the body keeps it whole",
      method: "GET",
      path: "/api/v1/things/x",
      headers: {
        ...failWith(Code.Aborted),
        [CONTROL.errorMessage]: encodeURIComponent("line one\nline two é"),
      },
      status: 409,
      reaches: "GetThing",
      error: { code: "aborted", mentions: "line one\nline two é" },
      responseHeaders: { [ERROR_HEADER]: "line one line two" },
    },
    {
      name: "an error that is not a ConnectError is a 500 that does not reveal its message",
      method: "GET",
      path: "/api/v1/things/x",
      headers: { [CONTROL.crash]: "password=hunter2" },
      status: 500,
      reaches: "GetThing",
      error: { code: "internal", mentions: "internal error" },
      hides: "hunter2",
    },
    {
      name: "an interceptor's refusal is answered like a handler error (401 with WWW-Authenticate)",
      method: "GET",
      path: "/api/v1/things/x",
      headers: { [CONTROL.deny]: "1" },
      status: 401,
      reaches: null,
      error: { code: "unauthenticated", mentions: "an API key is required" },
      responseHeaders: { "www-authenticate": 'Bearer realm="patchbay"' },
    },
    {
      name: "a declared success status set through the documented header is used, and the header stripped",
      method: "POST",
      path: "/api/v1/things",
      headers: { ...jsonBody({}).headers, [CONTROL.status]: "201" },
      body: JSON.stringify({ name: "new" }),
      status: 201,
      reaches: "CreateThing",
      json: { name: "new" },
      responseHeaders: { [HTTP_STATUS_HEADER]: null },
    },
    {
      name: "without the header the declared RPC answers 200",
      method: "POST",
      path: "/api/v1/things",
      ...jsonBody({ name: "old" }),
      status: 200,
      reaches: "CreateThing",
      json: { name: "old" },
    },
    {
      name: "a success status the RPC does not declare is ignored (200) and still stripped",
      method: "POST",
      path: "/api/v1/things",
      headers: { ...jsonBody({}).headers, [CONTROL.status]: "202" },
      body: "{}",
      status: 200,
      reaches: "CreateThing",
      json: {},
      responseHeaders: { [HTTP_STATUS_HEADER]: null },
    },
    {
      name: "an RPC without the (patchbay.v1.rest) option cannot answer 201",
      method: "GET",
      path: "/api/v1/things/x",
      headers: { [CONTROL.status]: "201" },
      status: 200,
      reaches: "GetThing",
      json: { name: "x" },
      responseHeaders: { [HTTP_STATUS_HEADER]: null },
    },
    {
      // The issue allows the status "through a documented response header/trailer".
      name: "a declared success status sent as a trailer is used too, and never reaches the client",
      method: "POST",
      path: "/api/v1/things",
      headers: { ...jsonBody({}).headers, [CONTROL.statusTrailer]: "201" },
      body: "{}",
      status: 201,
      reaches: "CreateThing",
      json: {},
      responseHeaders: { [HTTP_STATUS_HEADER]: null, [`trailer-${HTTP_STATUS_HEADER}`]: null },
    },
    {
      name: "response headers the handler sets reach the client",
      method: "GET",
      path: "/api/v1/things/x",
      headers: { [CONTROL.header]: "from-handler" },
      status: 200,
      reaches: "GetThing",
      json: { name: "x" },
      responseHeaders: { "x-echo": "from-handler" },
    },
    {
      name: "request headers reach the handler as they do for Connect, with the bridge marker",
      method: "POST",
      path: "/api/v1/things",
      headers: { ...jsonBody({}).headers, "x-custom": "1", authorization: "Bearer abc" },
      body: '{"name":"h"}',
      status: 200,
      reaches: "CreateThing",
      handlerHeaders: {
        "x-custom": "1",
        authorization: "Bearer abc",
        [BRIDGE_MARKER_HEADER]: "1",
        "content-type": "application/json",
        "content-length": null,
        host: null,
      },
      json: { name: "h" },
    },
    {
      name: "a client cannot pose as something other than the bridge through the marker header",
      method: "GET",
      path: "/api/v1/things/x",
      headers: { [BRIDGE_MARKER_HEADER]: "0" },
      status: 200,
      reaches: "GetThing",
      handlerHeaders: { [BRIDGE_MARKER_HEADER]: "1" },
      json: { name: "x" },
    },
    {
      name: "a refused request echoes a well-formed x-request-id",
      method: "GET",
      path: "/api/v1/nowhere",
      headers: { "x-request-id": "req-123" },
      status: 404,
      reaches: null,
      error: { code: "not_found", mentions: "no REST route" },
      responseHeaders: { "x-request-id": "req-123" },
    },
    {
      name: "a server-streaming RPC is not bridged even with an HttpRule (404)",
      method: "GET",
      path: "/api/v1/watch",
      status: 404,
      reaches: null,
      error: { code: "not_found", mentions: "no REST route" },
    },
  ],
});

describe("every Connect code through the bridge", () => {
  let server: EchoServer | undefined;
  beforeAll(async () => {
    const registry = await compileProto(PROTO);
    server = await startEchoServer({
      registry,
      service: serviceOf(registry, "test.v1.HeaderService"),
      transport: "http/1.1",
      maxBodyBytes: 1024,
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it.each(CONNECT_STATUS_TABLE)("a handler's code %i (%s) answers HTTP %i", async (code, wire, status) => {
    if (server === undefined) throw new Error("the echo server did not start");
    const res = await server.send({ method: "GET", path: "/api/v1/things/x", headers: failWith(code) });
    expect(res.status).toBe(status);
    expect(JSON.parse(res.body.toString("utf8"))).toEqual({ code: wire, message: "nope", details: [] });
    expect(res.headers.get(ERROR_HEADER)).toBe("nope");
    expect(res.headers.get("www-authenticate")).toBe(
      code === Code.Unauthenticated ? 'Bearer realm="patchbay"' : null,
    );
  });
});
