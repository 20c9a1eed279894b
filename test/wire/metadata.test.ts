import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
  GET_CONNECTOR,
  grpcHeaders,
  grpcWebHeaders,
  h2Request,
  http1Request,
  type RawAnswer,
  type RawRequest,
  text,
  trailerFrame,
} from "./raw-wire.ts";

// Request and response metadata: the request id (a well-formed x-request-id is echoed, anything else is
// replaced by a new UUID; where each protocol carries it on success and on error), custom and binary
// (-bin) request headers (accepted, not echoed), the rate-limit headers, and each protocol's response
// content type.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const jsonFrame = (value: string) => frame(new TextEncoder().encode(value));

describe("request and response metadata over the wire", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  // One echo call per protocol, with extra request headers.
  const calls: Record<string, (extra: Record<string, string>) => Promise<RawAnswer>> = {
    gRPC: (extra) =>
      h2Request(t.url, {
        path: EXECUTE,
        headers: { ...grpcHeaders(t.adminKey), ...extra },
        body: frame(executeBytes(echoRequest("hi"))),
      }),
    "gRPC-Web": (extra) =>
      http1Request(t.url, {
        path: EXECUTE,
        headers: { ...grpcWebHeaders(t.adminKey), ...extra },
        body: frame(executeBytes(echoRequest("hi"))),
      }),
    Connect: (extra) =>
      http1Request(t.url, {
        path: EXECUTE,
        headers: { ...connectJsonHeaders(t.adminKey), ...extra },
        body: new TextEncoder().encode(echoJson("hi")),
      }),
  };
  const names = Object.keys(calls);
  const callOf = (name: string) => {
    const call = calls[name];
    if (call === undefined) throw new Error(name);
    return call;
  };

  describe("x-request-id", () => {
    it.each(names)("echoes a well-formed request id in the %s response headers", async (name) => {
      const answer = await callOf(name)({ "x-request-id": "client.id-42:a_b" });
      expect(answer.status).toBe(200);
      expect(answer.headers["x-request-id"]).toBe("client.id-42:a_b");
    });

    it.each(names)("replaces a malformed request id with a new UUID (%s)", async (name) => {
      for (const id of ["has spaces", "x".repeat(129), "ünïcode", "a/b"]) {
        const answer = await callOf(name)({ "x-request-id": id });
        expect(answer.headers["x-request-id"]).toMatch(UUID);
      }
    });

    it.each(names)("makes a new UUID per call without one (%s)", async (name) => {
      const [a, b] = [await callOf(name)({}), await callOf(name)({})];
      expect(a.headers["x-request-id"]).toMatch(UUID);
      expect(b.headers["x-request-id"]).toMatch(UUID);
      expect(a.headers["x-request-id"]).not.toBe(b.headers["x-request-id"]);
    });

    it("carries the request id of an interceptor's error in the gRPC trailers, gRPC-Web trailer frame, Connect headers", async () => {
      const unknown = executeBytes({ target: { case: "connectorSlug", value: "no-such" }, command: "x" });
      const grpcAnswer = await h2Request(t.url, {
        path: EXECUTE,
        headers: { ...grpcHeaders(t.adminKey), "x-request-id": "err-1" },
        body: frame(unknown),
      });
      expect(grpcAnswer.headers["x-request-id"]).toBeUndefined();
      expect(grpcAnswer.trailers["x-request-id"]).toBe("err-1");

      const webAnswer = await http1Request(t.url, {
        path: EXECUTE,
        headers: { ...grpcWebHeaders(t.adminKey), "x-request-id": "err-2" },
        body: frame(unknown),
      });
      expect(webAnswer.headers["x-request-id"]).toBeUndefined();
      expect(trailerFrame(webAnswer.body)["x-request-id"]).toBe("err-2");

      const connectAnswer = await http1Request(t.url, {
        path: EXECUTE,
        headers: { ...connectJsonHeaders(t.adminKey), "x-request-id": "err-3" },
        body: new TextEncoder().encode(JSON.stringify({ connectorSlug: "no-such", command: "x" })),
      });
      expect(connectAnswer.status).toBe(404);
      expect(connectAnswer.headers["x-request-id"]).toBe("err-3");
    });

    it("carries the request id of a refusal before the interceptors in the gRPC headers", async () => {
      const answer = await h2Request(t.url, {
        path: EXECUTE,
        headers: { ...grpcHeaders(t.adminKey), "x-request-id": "refused-1" },
        body: frame(new Uint8Array([0xff, 0xff, 0xff])),
      });
      expect(answer.headers["x-request-id"]).toBe("refused-1");
      expect(answer.trailers["x-request-id"]).toBeUndefined();
      expect(answer.trailers["grpc-status"]).toBe("3");
    });
  });

  describe("custom and binary request metadata", () => {
    it.each(names)("accepts custom and -bin headers and echoes none of them (%s)", async (name) => {
      const answer = await callOf(name)({
        "x-custom": "value",
        "x-trace-bin": Buffer.from([0, 1, 2, 255]).toString("base64"),
        // Not base64: accepted all the same today.
        "x-broken-bin": "!!!",
      });
      expect(answer.status).toBe(200);
      const sent = { ...answer.headers, ...answer.trailers };
      if (name === "gRPC-Web") Object.assign(sent, trailerFrame(answer.body));
      expect(
        Object.keys(sent).filter((k) => k.startsWith("x-") && !/^x-(request-id|ratelimit-)/.test(k)),
      ).toEqual([]);
    });

    it("accepts binary metadata from @grpc/grpc-js and answers the request id in its response metadata", async () => {
      const v1 = (loadPatchbayProtos().patchbay as grpc.GrpcObject).v1 as grpc.GrpcObject;
      const Execute = v1.ExecuteService as unknown as new (
        address: string,
        credentials: grpc.ChannelCredentials,
      ) => grpc.Client;
      const client = new Execute(`127.0.0.1:${t.port}`, grpc.credentials.createInsecure());
      try {
        const metadata = bearer(t.adminKey);
        metadata.set("x-trace-bin", Buffer.from([0, 1, 2, 255]));
        metadata.set("x-request-id", "grpc-js-1");
        const { response, headers } = await unary<{
          payload: { fields: Record<string, { stringValue: string }> };
        }>(
          client,
          "execute",
          { connectorSlug: "echo", command: "echo", params: { fields: { message: { stringValue: "bin" } } } },
          metadata,
        );
        expect(response.payload.fields.message?.stringValue).toBe("bin");
        expect(headers.get("x-request-id")).toEqual(["grpc-js-1"]);
        expect(headers.get("x-trace-bin")).toEqual([]);
      } finally {
        client.close();
      }
    });

    it.each(names)("answers the rate-limit headers on a successful %s call", async (name) => {
      const answer = await callOf(name)({});
      expect(answer.headers["x-ratelimit-limit"]).toBe("600");
      expect(answer.headers["x-ratelimit-remaining"]).toMatch(/^\d+$/);
      expect(answer.headers["x-ratelimit-reset"]).toMatch(/^\d+$/);
    });

    it("accepts a Connect call with any connect-protocol-version, or none", async () => {
      for (const version of [{}, { "connect-protocol-version": "1" }, { "connect-protocol-version": "2" }]) {
        const answer = await callOf("Connect")(version);
        expect(answer.status).toBe(200);
      }
    });
  });

  describe("response content types", () => {
    const echoMessage = (answer: RawAnswer, json: boolean): unknown => {
      const data = framesOf(answer.body)[0]?.data ?? new Uint8Array();
      return json
        ? (JSON.parse(text(data)) as { payload: { message: string } }).payload.message
        : data.byteLength;
    };
    const binary = frame(executeBytes(echoRequest("hi")));
    const jsonBody = jsonFrame(echoJson("hi"));
    it.each([
      ["application/grpc", "2", binary, "application/grpc+proto"],
      ["application/grpc+proto", "2", binary, "application/grpc+proto"],
      ["application/grpc+json", "2", jsonBody, "application/grpc+json"],
      ["application/grpc+json; charset=utf-8", "2", jsonBody, "application/grpc+json"],
      ["application/grpc-web", "1.1", binary, "application/grpc-web+proto"],
      ["application/grpc-web+proto", "1.1", binary, "application/grpc-web+proto"],
      ["application/grpc-web+proto", "2", binary, "application/grpc-web+proto"],
      ["application/grpc-web+json", "1.1", jsonBody, "application/grpc-web+json"],
    ] as const)("answers %s over HTTP/%s as %s", async (type, version, body, expected) => {
      const request: RawRequest = {
        path: EXECUTE,
        headers: { authorization: `Bearer ${t.adminKey}`, "content-type": type, te: "trailers" },
        body,
      };
      const answer = version === "2" ? await h2Request(t.url, request) : await http1Request(t.url, request);
      expect(answer.status).toBe(200);
      expect(answer.headers["content-type"]).toBe(expected);
      const isJson = expected.endsWith("json");
      if (isJson) expect(echoMessage(answer, true)).toBe("hi");
      else expect(echoMessage(answer, false)).toBeGreaterThan(0);
    });

    it.each([
      ["application/json", "application/json"],
      ["application/json; charset=utf-8", "application/json"],
      ["application/proto", "application/proto"],
    ])("answers Connect %s as %s", async (type, expected) => {
      const body =
        type === "application/proto"
          ? executeBytes(echoRequest("hi"))
          : new TextEncoder().encode(echoJson("hi"));
      for (const send of [h2Request, http1Request]) {
        const answer = await send(t.url, {
          path: EXECUTE,
          headers: { authorization: `Bearer ${t.adminKey}`, "content-type": type },
          body,
        });
        expect(answer.status).toBe(200);
        expect(answer.headers["content-type"]).toBe(expected);
        expect(Number(answer.headers["content-length"] ?? NaN)).toBe(answer.body.byteLength);
      }
    });

    it("answers a Connect GET of the catalog read as JSON", async () => {
      const message = encodeURIComponent(JSON.stringify({ slug: "echo" }));
      const answer = await http1Request(t.url, {
        path: `${GET_CONNECTOR}?encoding=json&message=${message}&connect=v1`,
        method: "GET",
        headers: { authorization: `Bearer ${t.adminKey}` },
      });
      expect(answer.status).toBe(200);
      expect(answer.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(text(answer.body))).toMatchObject({
        connector: { slug: "echo", name: "Echo", authType: "none", tools: [{ name: "echo" }] },
      });
    });
  });
});
