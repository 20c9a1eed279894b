import { create, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GetConnectorRequestSchema,
  ListConnectorsRequestSchema,
} from "../../../gen/patchbay/v1/catalog_pb.ts";
import { type FastAndGeneric, startFastAndGeneric } from "../../support/fast-and-generic-servers.ts";
import type { TestServer } from "../../support/test-server.ts";
import { frame, h2Request, http1Request } from "../../wire/raw-wire.ts";

// The unary fast path must answer exactly as Connect's generic handlers do. Two replicas on one database,
// one with the fast path and one without, get the same requests; their answers must match byte for byte
// (status, headers but Date, body, trailers).

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  trailers: Record<string, string | string[] | undefined>;
}

function comparable(headers: Record<string, string | string[] | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === "date" || name === "keep-alive" || name === "connection") continue;
    out[name] = value;
  }
  return out;
}

/** A raw call over HTTP/2 or HTTP/1.1 (test/wire/raw-wire.ts), its body as hex for comparing. */
async function rawCall(
  version: 1 | 2,
  port: number,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array,
): Promise<Answer> {
  const send = version === 2 ? h2Request : http1Request;
  const answer = await send(`http://127.0.0.1:${port}`, { path, headers, body });
  return { ...answer, body: Buffer.from(answer.body).toString("hex") };
}

const h2Call = (port: number, path: string, headers: Record<string, string>, body: Uint8Array) =>
  rawCall(2, port, path, headers, body);
const h1Call = (port: number, path: string, headers: Record<string, string>, body: Uint8Array) =>
  rawCall(1, port, path, headers, body);

describe("the unary fast path answers as the generic handlers do", () => {
  let pair: FastAndGeneric;
  let fast: TestServer;
  let generic: TestServer;
  let key: string;

  beforeAll(async () => {
    pair = await startFastAndGeneric(["catalog:read", "execute"]);
    ({ fast, generic, key } = pair);
  }, 120_000);

  afterAll(async () => {
    await pair?.stop();
  });

  const get = toBinary(GetConnectorRequestSchema, create(GetConnectorRequestSchema, { slug: "echo" }));
  const missing = toBinary(
    GetConnectorRequestSchema,
    create(GetConnectorRequestSchema, { slug: "no-such-one" }),
  );
  const list = toBinary(ListConnectorsRequestSchema, create(ListConnectorsRequestSchema, { pageSize: 50 }));
  const getPath = "/patchbay.v1.CatalogService/GetConnector";
  const listPath = "/patchbay.v1.CatalogService/ListConnectors";

  interface Case {
    name: string;
    http: 1 | 2;
    path: string;
    headers: (key: string) => Record<string, string>;
    body: Uint8Array;
  }
  const auth = (k: string) => ({ authorization: `Bearer ${k}`, "x-request-id": "parity" });
  const cases: Case[] = [
    {
      name: "gRPC",
      http: 2,
      path: getPath,
      headers: (k) => ({ ...auth(k), "content-type": "application/grpc", te: "trailers" }),
      body: frame(get),
    },
    {
      name: "gRPC, gzip accepted, a large answer",
      http: 2,
      path: listPath,
      headers: (k) => ({
        ...auth(k),
        "content-type": "application/grpc+proto",
        te: "trailers",
        "grpc-accept-encoding": "gzip",
      }),
      body: frame(list),
    },
    {
      name: "gRPC, NOT_FOUND",
      http: 2,
      path: getPath,
      headers: (k) => ({ ...auth(k), "content-type": "application/grpc" }),
      body: frame(missing),
    },
    {
      name: "gRPC, no key",
      http: 2,
      path: getPath,
      headers: () => ({ "content-type": "application/grpc", "x-request-id": "parity" }),
      body: frame(get),
    },
    {
      name: "gRPC with a deadline",
      http: 2,
      path: getPath,
      headers: (k) => ({ ...auth(k), "content-type": "application/grpc", "grpc-timeout": "30S" }),
      body: frame(get),
    },
    {
      name: "gRPC-Web over HTTP/1.1",
      http: 1,
      path: getPath,
      headers: (k) => ({ ...auth(k), "content-type": "application/grpc-web+proto" }),
      body: frame(get),
    },
    {
      name: "gRPC-Web over h2c, NOT_FOUND",
      http: 2,
      path: getPath,
      headers: (k) => ({ ...auth(k), "content-type": "application/grpc-web" }),
      body: frame(missing),
    },
    {
      name: "gRPC-Web, gzip accepted, a large answer",
      http: 1,
      path: listPath,
      headers: (k) => ({
        ...auth(k),
        "content-type": "application/grpc-web+proto",
        "grpc-accept-encoding": "gzip",
      }),
      body: frame(list),
    },
    {
      name: "Connect binary over HTTP/1.1",
      http: 1,
      path: getPath,
      headers: (k) => ({ ...auth(k), "content-type": "application/proto" }),
      body: get,
    },
    {
      name: "Connect binary over h2c, no key",
      http: 2,
      path: getPath,
      headers: () => ({ "content-type": "application/proto", "x-request-id": "parity" }),
      body: get,
    },
    {
      name: "Connect JSON over HTTP/1.1",
      http: 1,
      path: getPath,
      headers: (k) => ({ ...auth(k), "content-type": "application/json", "connect-protocol-version": "1" }),
      body: Buffer.from('{"slug":"echo"}'),
    },
    {
      name: "Connect JSON over h2c, gzip accepted, a large answer",
      http: 2,
      path: listPath,
      headers: (k) => ({
        ...auth(k),
        "content-type": "application/json",
        "accept-encoding": "gzip",
        "connect-timeout-ms": "30000",
      }),
      body: Buffer.from('{"pageSize":50}'),
    },
    {
      name: "Connect JSON, NOT_FOUND",
      http: 1,
      path: getPath,
      headers: (k) => ({ ...auth(k), "content-type": "application/json; charset=utf-8" }),
      body: Buffer.from('{"slug":"no-such-one"}'),
    },
    {
      name: "Connect JSON, a field the input rule refuses",
      http: 1,
      path: getPath,
      headers: (k) => ({ ...auth(k), "content-type": "application/json" }),
      body: Buffer.from(JSON.stringify({ slug: "x".repeat(5000) })),
    },
    {
      name: "Connect JSON, Execute of an unknown connector",
      http: 1,
      path: "/patchbay.v1.ExecuteService/Execute",
      headers: (k) => ({ ...auth(k), "content-type": "application/json" }),
      body: Buffer.from('{"connectorSlug":"no-such-one","command":"echo"}'),
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const call = c.http === 2 ? h2Call : h1Call;
      const [a, b] = [
        await call(fast.port, c.path, c.headers(key), c.body),
        await call(generic.port, c.path, c.headers(key), c.body),
      ];
      expect(a.status).toBe(b.status);
      expect(comparable(a.headers)).toEqual(comparable(b.headers));
      expect(a.body).toBe(b.body);
      expect(a.trailers).toEqual(b.trailers);
      // Every case says something: an answer with a status, in the headers or the trailers for gRPC.
      expect(a.status).toBeGreaterThan(0);
    });
  }

  it("answers Execute alike but for the record's id and duration", async () => {
    const body = Buffer.from('{"connectorSlug":"echo","command":"echo","params":{"message":"hi"}}');
    const headers = { ...auth(key), "content-type": "application/json" };
    const [a, b] = [
      await h1Call(fast.port, "/patchbay.v1.ExecuteService/Execute", headers, body),
      await h1Call(generic.port, "/patchbay.v1.ExecuteService/Execute", headers, body),
    ];
    expect(a.status).toBe(200);
    expect(comparable(a.headers)).toEqual({
      ...comparable(b.headers),
      "content-length": a.headers["content-length"],
    });
    const read = (x: Answer) => {
      const { executionId, durationMs, ...rest } = JSON.parse(
        Buffer.from(x.body, "hex").toString(),
      ) as Record<string, unknown>;
      expect(executionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof durationMs).toBe("number");
      return rest;
    };
    expect(read(a)).toEqual(read(b));
    expect(read(a)).toMatchObject({ payload: { message: "hi" } });
  });
});
