import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createOutboundClient, OutboundError, type OutboundErrorCode } from "../../src/outbound/index.ts";
import { type LoopbackServer, startLoopbackServer } from "./loopback-server.ts";

// Only loopback traffic: one allow-listed server on 127.0.0.1.

let api: LoopbackServer;
const c = createOutboundClient({ allow: ["127.0.0.1/32"], maxResponseBytes: 1000, timeoutMs: 2000 });

beforeAll(async () => {
  api = await startLoopbackServer("127.0.0.1", (req, res, seen) => {
    const url = new URL(req.url ?? "/", "http://x");
    const hop = /^\/hop\/(\d+)$/.exec(url.pathname);
    if (hop) {
      const left = Number(hop[1]);
      if (left === 0) res.writeHead(200, { "content-type": "application/json" }).end('{"arrived":true}');
      else res.writeHead(307, { location: `/hop/${left - 1}` }).end();
    } else if (url.pathname === "/see-other") {
      res.writeHead(303, { location: "/echo" }).end();
    } else if (url.pathname === "/echo") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(seen));
    } else if (url.pathname === "/big") {
      const size = Number(url.searchParams.get("size"));
      const headers = url.searchParams.has("length") ? { "content-length": String(size) } : {};
      res.writeHead(200, headers);
      // Written in pieces without a length: the client must stop counting, not trust a header.
      for (let sent = 0; sent < size; sent += 100) res.write("x".repeat(Math.min(100, size - sent)));
      res.end();
    } else if (url.pathname === "/slow") {
      // Never answers; the client's timeout must end the request.
    } else {
      res.writeHead(404).end("not found");
    }
  });
});

afterAll(async () => {
  await c.close().catch(() => undefined);
  await api.close();
});

beforeEach(() => {
  api.requests.length = 0;
});

async function codeOf(promise: Promise<unknown>): Promise<OutboundErrorCode | string> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  return error instanceof OutboundError ? error.code : `not an OutboundError: ${String(error)}`;
}

describe("outbound client: redirects", () => {
  it("follows 5 redirects", async () => {
    const res = await c.request(`${api.origin}/hop/5`, { method: "GET" });
    expect(res).toMatchObject({ status: 200, body: { arrived: true } });
    expect(api.requests).toHaveLength(6);
  });

  it("refuses a sixth redirect without following it", async () => {
    expect(await codeOf(c.request(`${api.origin}/hop/6`, { method: "GET" }))).toBe("TOO_MANY_REDIRECTS");
    expect(api.requests.map((r) => r.url)).toEqual([
      "/hop/6",
      "/hop/5",
      "/hop/4",
      "/hop/3",
      "/hop/2",
      "/hop/1",
    ]);
  });

  it("turns a POST into a GET without a body on 303 See Other", async () => {
    const res = await c.request(`${api.origin}/see-other`, { method: "POST", body: { a: 1 } });
    expect(res.body).toMatchObject({ method: "GET", url: "/echo", body: "" });
  });

  it("returns other statuses as they are, text bodies as text", async () => {
    expect(await c.request(`${api.origin}/missing`, { method: "GET" })).toMatchObject({
      status: 404,
      body: "not found",
    });
  });
});

describe("outbound client: response size cap", () => {
  it("reads a body up to the cap", async () => {
    const res = await c.request(`${api.origin}/big?size=1000`, { method: "GET" });
    expect(res.body).toBe("x".repeat(1000));
  });

  it("refuses a streamed body that passes the cap", async () => {
    const error = await c.request(`${api.origin}/big?size=5000`, { method: "GET" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboundError);
    expect(error).toMatchObject({
      code: "TOO_LARGE",
      message: "Outbound response from 127.0.0.1 is larger than 1000 bytes",
    });
  });

  it("refuses a declared length over the cap before reading", async () => {
    expect(await codeOf(c.request(`${api.origin}/big?size=5000&length`, { method: "GET" }))).toBe(
      "TOO_LARGE",
    );
  });
});

describe("outbound client: timeouts", () => {
  it("ends a request that takes longer than its timeout", async () => {
    const error = await c
      .request(`${api.origin}/slow?key=s3cret`, { method: "GET", timeoutMs: 150 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "TIMEOUT",
      message: "Outbound request to 127.0.0.1 timed out after 150 ms",
    });
  });

  it("uses the client's default timeout", async () => {
    const quick = createOutboundClient({ allow: ["127.0.0.1/32"], timeoutMs: 100 });
    expect(await codeOf(quick.request(`${api.origin}/slow`, { method: "GET" }))).toBe("TIMEOUT");
    await quick.close().catch(() => undefined);
  });

  it("throws the caller's abort reason unchanged", async () => {
    const reason = new Error("caller went away");
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 50);
    await expect(c.request(`${api.origin}/slow`, { method: "GET", signal: controller.signal })).rejects.toBe(
      reason,
    );
  });
});
