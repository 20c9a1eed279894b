import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService, ListConnectorsRequestSchema } from "../../gen/patchbay/v1/catalog_pb.ts";
import { BUILTIN_CATALOG } from "../../src/catalog/index.ts";
import { bearer, grpc, loadPatchbayProtos, unary } from "../support/grpc-js-client.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

/** Every seeded catalog entry (built-in types and the sample script), in the catalog's order (by slug). */
const BUILT_INS = BUILTIN_CATALOG.map((d) => d.slug).sort();
/** Entries usable without an administrator's setup (OAuth types need a client first). */
const READY = BUILTIN_CATALOG.filter((d) => d.authType !== "oauth")
  .map((d) => d.slug)
  .sort();
const OAUTH = BUILTIN_CATALOG.filter((d) => d.authType === "oauth")
  .map((d) => d.slug)
  .sort();

type Ctor = new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client;

describe.each(BACKENDS)("the API over the wire on %s", (backend) => {
  let t: TestServer;
  let protos: grpc.GrpcObject;

  beforeAll(async () => {
    t = await startTestServer(backend);
    protos = loadPatchbayProtos();
  });
  afterAll(async () => {
    await t?.stop();
  });

  const auth = () => ({ authorization: `Bearer ${t.adminKey}` });
  const transports: Record<string, () => Transport> = {
    "Connect JSON over HTTP/1.1": () => createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }),
    "Connect binary over HTTP/1.1": () =>
      createConnectTransport({ baseUrl: t.url, httpVersion: "1.1", useBinaryFormat: true }),
    "Connect JSON over h2c": () => createConnectTransport({ baseUrl: t.url, httpVersion: "2" }),
    "Connect binary over h2c": () =>
      createConnectTransport({ baseUrl: t.url, httpVersion: "2", useBinaryFormat: true }),
    "Connect GET over HTTP/1.1": () =>
      createConnectTransport({ baseUrl: t.url, httpVersion: "1.1", useHttpGet: true }),
    "gRPC-Web over HTTP/1.1": () => createGrpcWebTransport({ baseUrl: t.url, httpVersion: "1.1" }),
    "gRPC-Web over h2c": () => createGrpcWebTransport({ baseUrl: t.url, httpVersion: "2" }),
    "gRPC over h2c": () => createGrpcTransport({ baseUrl: t.url }),
  };

  it.each(Object.keys(transports))("lists and gets connectors with %s", async (name) => {
    const make = transports[name];
    if (make === undefined) throw new Error(name);
    const client = createClient(CatalogService, make());
    const list = await client.listConnectors({}, { headers: auth() });
    expect(list.connectors.map((c) => c.slug)).toEqual(BUILT_INS);
    const http = await client.getConnector({ slug: "http" }, { headers: auth() });
    expect(http.connector?.authType).toBe("none");
    expect(http.connector?.availability).toBe("available");
    expect(http.connector?.configured).toBe(true);
    expect(http.connector?.tools.map((tool) => tool.name)).toEqual(["request"]);
  });

  it("answers native gRPC clients (@grpc/grpc-js) over h2c", async () => {
    const v1 = (protos.patchbay as grpc.GrpcObject).v1 as grpc.GrpcObject;
    const Catalog = v1.CatalogService as unknown as Ctor;
    const client = new Catalog(`127.0.0.1:${t.port}`, grpc.credentials.createInsecure());
    try {
      const { response } = await unary<{ connectors: { slug: string }[] }>(
        client,
        "listConnectors",
        {},
        bearer(t.adminKey),
      );
      expect(response.connectors.map((c) => c.slug)).toEqual(BUILT_INS);
      const { response: one } = await unary<{ connector: { slug: string; tools: { name: string }[] } }>(
        client,
        "getConnector",
        { slug: "delay" },
        bearer(t.adminKey),
      );
      expect(one.connector.tools.map((tool) => tool.name)).toEqual(["wait"]);
      await expect(unary(client, "getConnector", { slug: "nope" }, bearer(t.adminKey))).rejects.toMatchObject(
        {
          code: grpc.status.NOT_FOUND,
          details: "connector not found",
        },
      );
      await expect(unary(client, "listConnectors", {})).rejects.toMatchObject({
        code: grpc.status.UNAUTHENTICATED,
      });
    } finally {
      client.close();
    }
  });

  it("answers plain HTTP/1.1 JSON (curl-style Connect calls)", async () => {
    const res = await fetch(`${t.url}/patchbay.v1.CatalogService/GetConnector`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": t.adminKey },
      body: JSON.stringify({ slug: "delay" }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { connector: { slug: string; authType: string; createTime: string } };
    expect(body.connector.slug).toBe("delay");
    expect(body.connector.authType).toBe("none");
    expect(body.connector.createTime).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  describe("REST/JSON bridge", () => {
    const get = (path: string, headers: Record<string, string> = auth()) =>
      fetch(`${t.url}${path}`, { headers });

    it("lists connectors at GET /api/v1/connectors with query filters and paging", async () => {
      const res = await get("/api/v1/connectors?pageSize=1&auth_type=none");
      expect(res.status).toBe(200);
      const body = (await res.json()) as { connectors: { slug: string }[]; nextPageToken: string };
      expect(body.connectors.map((c) => c.slug)).toEqual(["delay"]);
      const next = await get(`/api/v1/connectors?pageSize=1&auth_type=none&pageToken=${body.nextPageToken}`);
      const second = (await next.json()) as { connectors: { slug: string }[] };
      expect(second.connectors.map((c) => c.slug)).toEqual(["echo"]);
    });

    it("gets one connector at GET /api/v1/connectors/{slug}", async () => {
      const res = await get("/api/v1/connectors/http");
      const body = (await res.json()) as { connector: { slug: string; tools: { name: string }[] } };
      expect(body.connector.slug).toBe("http");
      // Every field of a JSON answer is present, empty ones included: the http connector has no mocks.
      expect(body.connector.tools).toEqual([
        { name: "request", description: "Send one HTTP request.", mockScenarios: [] },
      ]);
    });

    it("maps errors to the HTTP status, the JSON error body and the x-patchbay-error header", async () => {
      const missing = await get("/api/v1/connectors/nope");
      expect(missing.status).toBe(404);
      expect(missing.headers.get("x-patchbay-error")).toBe("connector not found");
      expect(await missing.json()).toEqual({
        code: "not_found",
        message: "connector not found",
        details: [],
      });

      const anonymous = await get("/api/v1/connectors", {});
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("www-authenticate")).toContain("Bearer");

      const badSlug = await get("/api/v1/connectors/NOT_A_SLUG");
      expect(badSlug.status).toBe(400);

      const notOpenApi = await fetch(`${t.url}/api/v1/connectors/parse-oas`, {
        method: "POST",
        headers: { ...auth(), "content-type": "application/json" },
        body: JSON.stringify({ spec: {} }),
      });
      expect(notOpenApi.status).toBe(400);
      expect(await notOpenApi.json()).toMatchObject({
        code: "invalid_argument",
        message: "spec: not an OpenAPI document (no 'openapi' or 'swagger' version field)",
      });

      const wrongMethod = await fetch(`${t.url}/api/v1/connectors/http`, {
        method: "PATCH",
        headers: auth(),
      });
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.get("allow")).toBe("DELETE, GET, PUT");
    });

    it("runs the same interceptors as Connect: scope check and a request log line with protocol rest", async () => {
      const reader = await t.createKey(["execute"]);
      const denied = await get("/api/v1/connectors", { "x-api-key": reader, "x-request-id": "rest-log-1" });
      expect(denied.status).toBe(403);
      expect(denied.headers.get("x-request-id")).toBe("rest-log-1");
      const line = t.logs.lines().find((l) => l.reqId === "rest-log-1");
      expect(line).toMatchObject({
        procedure: "/patchbay.v1.CatalogService/ListConnectors",
        protocol: "rest",
        code: "permission_denied",
      });
    });
  });

  it("pages with an opaque token and refuses a tampered one", async () => {
    const client = createClient(
      CatalogService,
      createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }),
    );
    const first = await client.listConnectors({ pageSize: 1 }, { headers: auth() });
    expect(first.connectors.map((c) => c.slug)).toEqual(BUILT_INS.slice(0, 1));
    expect(first.nextPageToken).not.toBe("");
    const seen = [...first.connectors.map((c) => c.slug)];
    let token = first.nextPageToken;
    while (token !== "") {
      const page = await client.listConnectors({ pageSize: 1, pageToken: token }, { headers: auth() });
      expect(page.connectors).toHaveLength(1);
      seen.push(...page.connectors.map((c) => c.slug));
      token = page.nextPageToken;
    }
    expect(seen).toEqual(BUILT_INS);
    const dot = first.nextPageToken.indexOf(".");
    const macStart = first.nextPageToken[dot + 1] === "A" ? "B" : "A";
    const tampered = `${first.nextPageToken.slice(0, dot + 1)}${macStart}${first.nextPageToken.slice(dot + 2)}`;
    await expect(
      client.listConnectors({ pageSize: 1, pageToken: tampered }, { headers: auth() }),
    ).rejects.toMatchObject({ code: Code.InvalidArgument });
    // A token is bound to its filter.
    await expect(
      client.listConnectors({ pageSize: 1, pageToken: first.nextPageToken, q: "h" }, { headers: auth() }),
    ).rejects.toMatchObject({ code: Code.InvalidArgument });
  });

  it("filters by q, auth_type and availability, and names a bad filter value", async () => {
    const client = createClient(
      CatalogService,
      createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }),
    );
    const byQ = await client.listConnectors({ q: "wait" }, { headers: auth() });
    expect(byQ.connectors.map((c) => c.slug)).toEqual(["delay"]);
    const oauth = await client.listConnectors({ authType: "oauth" }, { headers: auth() });
    expect(oauth.connectors.map((c) => c.slug)).toEqual(OAUTH);
    expect(oauth.connectors.every((c) => c.availability === "not_configured" && !c.configured)).toBe(true);
    const available = await client.listConnectors(
      create(ListConnectorsRequestSchema, { availability: "available" }),
      {
        headers: auth(),
      },
    );
    expect(available.connectors.map((c) => c.slug)).toEqual(READY);
    const bad = await client
      .listConnectors({ authType: "magic" }, { headers: auth() })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ConnectError);
    expect((bad as ConnectError).code).toBe(Code.InvalidArgument);
    expect((bad as ConnectError).rawMessage).toBe("auth_type must be one of oauth, api_key, none");
  });

  describe("authentication", () => {
    const client = () =>
      createClient(CatalogService, createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }));

    it("refuses a call without a key", async () => {
      await expect(client().listConnectors({})).rejects.toMatchObject({ code: Code.Unauthenticated });
    });

    it("refuses an unknown key", async () => {
      const headers = { authorization: "Bearer pb_notARealKeyButLongEnoughToLookLikeOne000" };
      await expect(client().listConnectors({}, { headers })).rejects.toMatchObject({
        code: Code.Unauthenticated,
      });
    });

    it("refuses a revoked key that worked before", async () => {
      const key = await t.createKey(["catalog:read"]);
      await client().listConnectors({}, { headers: { authorization: `Bearer ${key}` } });
      await t.revokeKey(key);
      await expect(
        client().listConnectors({}, { headers: { authorization: `Bearer ${key}` } }),
      ).rejects.toMatchObject({
        code: Code.Unauthenticated,
        rawMessage: "unknown or revoked API key",
      });
    });

    it("refuses a key without the procedure's scope, and accepts X-API-Key", async () => {
      const key = await t.createKey(["execute"]);
      await expect(client().listConnectors({}, { headers: { "x-api-key": key } })).rejects.toMatchObject({
        code: Code.PermissionDenied,
        rawMessage: "API key lacks scope 'catalog:read'",
      });
      const reader = await t.createKey(["catalog:read"]);
      const ok = await client().listConnectors({}, { headers: { "x-api-key": reader } });
      expect(ok.connectors.length).toBe(BUILT_INS.length);
    });
  });

  it("writes one log line per request with id, procedure, protocol, code, duration and principal", async () => {
    const client = createClient(
      CatalogService,
      createGrpcWebTransport({ baseUrl: t.url, httpVersion: "1.1" }),
    );
    await client.getConnector(
      { slug: "http" },
      { headers: { ...auth(), "x-request-id": "req-log-check-1" } },
    );
    const line = t.logs.lines().find((l) => l.reqId === "req-log-check-1");
    expect(line).toMatchObject({
      msg: "request",
      procedure: "/patchbay.v1.CatalogService/GetConnector",
      protocol: "grpc-web",
      code: "ok",
    });
    expect(typeof line?.durationMs).toBe("number");
    expect(typeof line?.principal).toBe("string");
  });

  it("echoes the request id and makes one when none is given", async () => {
    const given = await fetch(`${t.url}/patchbay.v1.CatalogService/ListConnectors`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "abc-123", ...auth() },
      body: "{}",
    });
    expect(given.headers.get("x-request-id")).toBe("abc-123");
    const made = await fetch(`${t.url}/patchbay.v1.CatalogService/ListConnectors`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(made.status).toBe(401);
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("never writes an API key to the log", async () => {
    const text = t.logs.text();
    expect(text.length).toBeGreaterThan(1000);
    expect(text).not.toContain(t.adminKey);
    expect(text).not.toContain(t.adminKey.slice(3, 30));
    expect(text).not.toMatch(/pb_[A-Za-z0-9_-]{40,}/);
  });
});
