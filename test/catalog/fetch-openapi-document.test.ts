import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchOpenApiDocument } from "../../src/catalog/fetch-openapi-document.ts";
import { createOutboundClient, type OutboundClient } from "../../src/outbound/index.ts";

// ParseOpenApi's `url` source: fetched through the egress guard, redirects re-checked and bounded, the
// body capped, and every refusal naming the url field with a code the caller can act on.
const DOCUMENT = JSON.stringify({ openapi: "3.0.0", info: { title: "t", version: "1" }, paths: {} });

async function codeOf(call: Promise<unknown>): Promise<{ code: Code; message: string }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConnectError)) throw new Error(`expected a ConnectError, got ${String(error)}`);
  return { code: error.code, message: error.rawMessage };
}

describe("fetchOpenApiDocument", () => {
  let server: Server;
  let base: string;
  let allowed: OutboundClient;
  let strict: OutboundClient;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const hops = Number(url.searchParams.get("hops") ?? "0");
      if (url.pathname === "/doc") return res.end(DOCUMENT);
      if (url.pathname === "/redirect") {
        res.writeHead(302, { location: hops > 0 ? `/redirect?hops=${hops - 1}` : "/doc" });
        return res.end();
      }
      if (url.pathname === "/big") {
        res.writeHead(200, { "content-length": String(10_000) });
        return res.end("x".repeat(10_000));
      }
      if (url.pathname === "/stream") {
        res.writeHead(200);
        res.write("x".repeat(600));
        return res.end("x".repeat(600));
      }
      res.writeHead(404);
      res.end("no");
    });
    await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    allowed = createOutboundClient({ allow: ["127.0.0.1/32"] });
    strict = createOutboundClient({ allow: [] });
  });
  afterAll(async () => {
    await allowed?.close();
    await strict?.close();
    await new Promise<void>((closed) => server.close(() => closed()));
  });

  it("reads a description, following a few redirects", async () => {
    expect(await fetchOpenApiDocument(allowed.guard, `${base}/doc`, 1_000)).toBe(DOCUMENT);
    expect(await fetchOpenApiDocument(allowed.guard, `${base}/redirect?hops=2`, 1_000)).toBe(DOCUMENT);
  });

  it("refuses more than five redirects, a non-2xx answer and a non-http URL", async () => {
    expect(await codeOf(fetchOpenApiDocument(allowed.guard, `${base}/redirect?hops=9`, 1_000))).toEqual({
      code: Code.InvalidArgument,
      message: "url: more than 5 redirects",
    });
    expect(await codeOf(fetchOpenApiDocument(allowed.guard, `${base}/missing`, 1_000))).toEqual({
      code: Code.FailedPrecondition,
      message: "url: the server answered HTTP 404",
    });
    for (const url of ["ftp://127.0.0.1/doc", "not a url"]) {
      expect((await codeOf(fetchOpenApiDocument(allowed.guard, url, 1_000))).code).toBe(Code.InvalidArgument);
    }
  });

  it("refuses a body over the cap, whether announced or streamed", async () => {
    for (const path of ["/big", "/stream"]) {
      const refused = await codeOf(fetchOpenApiDocument(allowed.guard, `${base}${path}`, 1_000));
      expect(refused.code).toBe(Code.ResourceExhausted);
      expect(refused.message).toContain("larger than 1000 bytes");
    }
  });

  it("refuses an address the egress policy refuses, before connecting, and says how to allow it", async () => {
    const refused = await codeOf(fetchOpenApiDocument(strict.guard, `${base}/doc`, 1_000));
    expect(refused.code).toBe(Code.FailedPrecondition);
    expect(refused.message).toContain("egress policy refuses this address");
  });

  it("stops when the caller leaves", async () => {
    const caller = new AbortController();
    caller.abort();
    const refused = await codeOf(fetchOpenApiDocument(allowed.guard, `${base}/doc`, 1_000, caller.signal));
    expect(refused).toEqual({ code: Code.Canceled, message: "url: the caller canceled the fetch" });
  });
});
