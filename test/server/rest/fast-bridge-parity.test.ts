import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FastAndGeneric, startFastAndGeneric } from "../../support/fast-and-generic-servers.ts";
import type { TestServer } from "../../support/test-server.ts";
import { h2Request, http1Request, type RawAnswer } from "../../wire/raw-wire.ts";

// The REST bridge runs unary calls through the unary fast path's pipeline when the fast path is on, and
// through Connect's handlers when it is off. Two replicas on one database, one of each, get the same REST
// requests; their answers must match byte for byte (status, headers but Date, body), and so must the log
// lines each call writes (but for time and duration).

type Headers = Record<string, string | string[] | undefined>;

function comparable(headers: Headers): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === "date" || name === "keep-alive" || name === "connection") continue;
    out[name] = value;
  }
  return out;
}

// A replica's log lines of one request, without what differs from call to call.
function linesOf(server: TestServer, reqId: string): Record<string, unknown>[] {
  return server.logs
    .lines()
    .filter((line) => line.reqId === reqId)
    .map(({ time: _t, durationMs: _d, pid: _p, hostname: _h, ...rest }) => rest);
}

const OPENAPI = JSON.stringify({
  openapi: "3.0.3",
  info: { title: "Parity", version: "1" },
  servers: [{ url: "https://api.example.com" }],
  paths: {
    "/things": { get: { operationId: "listThings", responses: { "200": { description: "ok" } } } },
  },
});

interface Case {
  readonly name: string;
  readonly http?: 1 | 2;
  readonly method: string;
  readonly path: string;
  /** Headers besides the request id; `key` is a key with every scope a case needs. */
  readonly headers?: (key: string) => Record<string, string>;
  readonly body?: string;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const jsonBody = (key: string) => ({ ...bearer(key), "content-type": "application/json" });

const cases: Case[] = [
  { name: "a GET with a path parameter", method: "GET", path: "/api/v1/connectors/echo", headers: bearer },
  {
    name: "a GET over h2c",
    http: 2,
    method: "GET",
    path: "/api/v1/connectors/echo",
    headers: bearer,
  },
  { name: "query parameters", method: "GET", path: "/api/v1/connectors?pageSize=2", headers: bearer },
  {
    name: "query parameters, in proto names",
    method: "GET",
    path: "/api/v1/connectors?page_size=3&q=e&auth_type=none",
    headers: bearer,
  },
  { name: "NOT_FOUND", method: "GET", path: "/api/v1/connectors/no-such-one", headers: bearer },
  { name: "no key", method: "GET", path: "/api/v1/connectors/echo" },
  {
    name: "an unknown key",
    method: "GET",
    path: "/api/v1/connectors/echo",
    headers: () => ({ authorization: "Bearer pb_not_a_real_key_at_all" }),
  },
  {
    name: "INVALID_ARGUMENT from the input rule",
    method: "GET",
    path: `/api/v1/connectors/${"x".repeat(5000)}`,
    headers: bearer,
  },
  {
    name: "INVALID_ARGUMENT from the input rule, a query parameter",
    method: "GET",
    path: "/api/v1/connectors?auth_type=bogus",
    headers: bearer,
  },
  {
    name: "a POST with a body",
    method: "POST",
    path: "/api/v1/connectors/parse-oas",
    headers: jsonBody,
    body: JSON.stringify({ document: OPENAPI }),
  },
  {
    name: "a POST with a body the handler refuses",
    method: "POST",
    path: "/api/v1/connectors/parse-oas",
    headers: jsonBody,
    body: JSON.stringify({ document: "not an OpenAPI document" }),
  },
  {
    name: "a POST on a path parameter, NOT_FOUND",
    method: "POST",
    path: "/api/v1/connectors/no-such-one/execute",
    headers: jsonBody,
    body: JSON.stringify({ command: "echo" }),
  },
  {
    name: "a DELETE, NOT_FOUND",
    method: "DELETE",
    path: "/api/v1/connectors/no-such-one",
    headers: bearer,
  },
  {
    name: "an undecodable body (a field of the wrong type)",
    method: "POST",
    path: "/api/v1/connectors/parse-oas",
    headers: jsonBody,
    body: JSON.stringify({ document: 5 }),
  },
  {
    name: "an undecodable body (an unknown field)",
    method: "POST",
    path: "/api/v1/connectors/parse-oas",
    headers: jsonBody,
    body: JSON.stringify({ document: OPENAPI, nope: 1 }),
  },
  {
    name: "an undecodable body over h2c",
    http: 2,
    method: "POST",
    path: "/api/v1/connectors/parse-oas",
    headers: jsonBody,
    body: JSON.stringify({ operations: "one" }),
  },
  {
    name: "response_body: an HTML page (google.api.HttpBody)",
    method: "GET",
    path: "/api/v1/connections/oauth/callback?state=no-such-state&code=x",
  },
  {
    name: "response_body: the link page of an invalid link",
    method: "GET",
    path: "/api/v1/connections/oauth/link?token=no-such-link",
  },
  {
    name: "a deadline",
    method: "GET",
    path: "/api/v1/connectors/echo",
    headers: (k) => ({ ...bearer(k), "connect-timeout-ms": "30000" }),
  },
  {
    name: "a deadline past the longest, lowered",
    method: "GET",
    path: "/api/v1/connectors/echo",
    headers: (k) => ({ ...bearer(k), "connect-timeout-ms": "9999999999" }),
  },
  {
    name: "a malformed deadline",
    method: "GET",
    path: "/api/v1/connectors/echo",
    headers: (k) => ({ ...bearer(k), "connect-timeout-ms": "soon" }),
  },
  {
    name: "an unknown query parameter (refused by the bridge)",
    method: "GET",
    path: "/api/v1/connectors?nope=1",
    headers: bearer,
  },
];

describe("the REST bridge answers alike through the fast path and through Connect's handlers", () => {
  let pair: FastAndGeneric;
  let fast: TestServer;
  let generic: TestServer;
  let key: string;

  beforeAll(async () => {
    pair = await startFastAndGeneric(["catalog:read", "catalog:write", "connections", "execute"]);
    ({ fast, generic, key } = pair);
  }, 120_000);

  afterAll(async () => {
    await pair?.stop();
  });

  const call = (server: TestServer, c: Case, reqId: string): Promise<RawAnswer> => {
    const send = c.http === 2 ? h2Request : http1Request;
    return send(`http://127.0.0.1:${server.port}`, {
      method: c.method,
      path: c.path,
      headers: { ...(c.headers?.(key) ?? {}), "x-request-id": reqId },
      ...(c.body === undefined ? {} : { body: Buffer.from(c.body) }),
    });
  };

  cases.forEach((c, i) => {
    it(c.name, async () => {
      const reqId = `rest-parity-${i}`;
      const a = await call(fast, c, reqId);
      const b = await call(generic, c, reqId);
      expect(a.status).toBe(b.status);
      expect(comparable(a.headers)).toEqual(comparable(b.headers));
      expect(Buffer.from(a.body).toString("hex")).toBe(Buffer.from(b.body).toString("hex"));
      expect(a.trailers).toEqual(b.trailers);
      // Every case says something, and is logged.
      expect(a.status).toBeGreaterThan(0);
      expect(a.headers["x-request-id"]).toBe(reqId);
      const lines = linesOf(fast, reqId);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines).toEqual(linesOf(generic, reqId));
    });
  });

  it("answers Execute alike but for the record's id and duration", async () => {
    const c: Case = {
      name: "execute",
      method: "POST",
      path: "/api/v1/connectors/echo/execute",
      headers: jsonBody,
      body: JSON.stringify({ command: "echo", params: { message: "hi" } }),
    };
    const a = await call(fast, c, "rest-parity-execute");
    const b = await call(generic, c, "rest-parity-execute");
    expect(a.status).toBe(200);
    expect(comparable(a.headers)).toEqual({
      ...comparable(b.headers),
      "content-length": a.headers["content-length"],
    });
    const read = (x: RawAnswer) => {
      const { executionId, durationMs, ...rest } = JSON.parse(Buffer.from(x.body).toString()) as Record<
        string,
        unknown
      >;
      expect(executionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof durationMs).toBe("number");
      return rest;
    };
    expect(read(a)).toEqual(read(b));
    expect(read(a)).toMatchObject({ payload: { message: "hi" } });
  });
});
