import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createOutboundClient,
  type OutboundClient,
  OutboundError,
  type OutboundErrorCode,
  type ResolveHost,
} from "../../src/outbound/index.ts";
import { type LoopbackServer, startLoopbackServer } from "./loopback-server.ts";

// Only loopback traffic: 127.0.0.1 and 127.0.0.2 servers, refused or allow-listed by the policy.

let api: LoopbackServer;
let internal: LoopbackServer;
const clients: OutboundClient[] = [];

beforeAll(async () => {
  api = await startLoopbackServer("127.0.0.1", (req, res, seen) => {
    if (req.url === "/to-internal") {
      res.writeHead(302, { location: `${internal.origin}/secret` }).end();
    } else if (req.url === "/to-self") {
      res.writeHead(302, { location: "/landed" }).end();
    } else {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ echo: seen }));
    }
  });
  internal = await startLoopbackServer("127.0.0.2", (_req, res, seen) => {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ echo: seen }));
  });
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await Promise.all([api.close(), internal.close()]);
});

beforeEach(() => {
  for (const server of [api, internal]) {
    server.requests.length = 0;
    server.connections = 0;
  }
});

function client(options: Parameters<typeof createOutboundClient>[0] = {}): OutboundClient {
  const created = createOutboundClient(options);
  clients.push(created);
  return created;
}

/** A resolver that answers from a table and records what it was asked; never touches DNS. */
function fakeDns(table: Record<string, string[]>): ResolveHost & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (addresses === undefined)
      throw Object.assign(new Error(`no such host ${hostname}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return Object.assign(resolve, { asked });
}

async function failure(promise: Promise<unknown>): Promise<OutboundError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof OutboundError)) throw new Error(`expected an OutboundError, got ${String(error)}`);
  return error;
}

const expectCode = async (promise: Promise<unknown>, code: OutboundErrorCode) =>
  expect((await failure(promise)).code).toBe(code);

describe("outbound client: refused by default", () => {
  it("refuses a loopback address before connecting", async () => {
    const error = await failure(client().request(`${api.origin}/health?token=s3cret`, { method: "GET" }));
    expect(error.code).toBe("EGRESS_REFUSED");
    expect(error.message).toBe(
      "Outbound request to 127.0.0.1 refused (loopback); PATCHBAY_EGRESS_ALLOW can allow it",
    );
    expect(api.connections).toBe(0);
  });

  it("refuses IPv6 loopback and IPv4-mapped loopback literals", async () => {
    await expectCode(client().request(`http://[::1]:${api.port}/`, { method: "GET" }), "EGRESS_REFUSED");
    await expectCode(
      client().request(`http://[::ffff:127.0.0.1]:${api.port}/`, { method: "GET" }),
      "EGRESS_REFUSED",
    );
    await expectCode(client().request(`http://0x7f.1:${api.port}/`, { method: "GET" }), "EGRESS_REFUSED");
    expect(api.connections).toBe(0);
  });

  it("refuses a host name that resolves to loopback, without connecting", async () => {
    const dns = fakeDns({ "attacker.test": ["127.0.0.1"] });
    const error = await failure(
      client({ lookup: dns }).request(`http://attacker.test:${api.port}/`, { method: "GET" }),
    );
    expect(error.code).toBe("EGRESS_REFUSED");
    expect(error.message).toContain("attacker.test");
    expect(error.message).toContain("127.0.0.1 (loopback)");
    expect(dns.asked).toEqual(["attacker.test"]);
    expect(api.connections).toBe(0);
  });

  it("refuses a host name when any one of its addresses is refused", async () => {
    const dns = fakeDns({ "mixed.test": ["127.0.0.1", "127.0.0.2"] });
    const c = client({ allow: ["127.0.0.1/32"], lookup: dns });
    await expectCode(c.request(`http://mixed.test:${api.port}/`, { method: "GET" }), "EGRESS_REFUSED");
    expect(api.connections + internal.connections).toBe(0);
  });

  it("refuses metadata host names without resolving them", async () => {
    const dns = fakeDns({ "metadata.google.internal": ["127.0.0.1"] });
    const c = client({ allow: ["127.0.0.1/32"], lookup: dns });
    await expectCode(
      c.request(`http://metadata.google.internal:${api.port}/computeMetadata/v1/`, { method: "GET" }),
      "EGRESS_REFUSED",
    );
    expect(dns.asked).toEqual([]);
    expect(api.connections).toBe(0);
  });

  it("refuses a redirect from an allowed server to a refused address", async () => {
    const c = client({ allow: ["127.0.0.1/32"] });
    const error = await failure(c.request(`${api.origin}/to-internal`, { method: "GET" }));
    expect(error.code).toBe("EGRESS_REFUSED");
    expect(error.message).toContain("127.0.0.2");
    expect(api.requests.map((r) => r.url)).toEqual(["/to-internal"]);
    expect(internal.connections).toBe(0);
  });

  it("refuses URLs that are not http or https, or carry credentials, with no secret in the message", async () => {
    const c = client({ allow: ["127.0.0.1/32"] });
    await expectCode(c.request("file:///etc/passwd", { method: "GET" }), "BAD_URL");
    await expectCode(c.request("not a url", { method: "GET" }), "BAD_URL");
    const error = await failure(c.request(`http://user:hunter2@127.0.0.1:${api.port}/`, { method: "GET" }));
    expect(error.code).toBe("BAD_URL");
    expect(error.message).not.toContain("hunter2");
    expect(api.connections).toBe(0);
  });
});

describe("outbound client: allow-listed", () => {
  it("reaches an allow-listed address, sending objects as JSON and parsing JSON replies", async () => {
    const c = client({ allow: ["127.0.0.1/32"] });
    const res = await c.request(`${api.origin}/items?x=1`, { method: "post", body: { name: "a" } });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json");
    const { echo } = res.body as { echo: { method: string; url: string; body: string; headers: object } };
    expect(echo).toMatchObject({ method: "POST", url: "/items?x=1", body: '{"name":"a"}' });
    expect(echo.headers).toMatchObject({ "content-type": "application/json" });
  });

  it("sends a string body as-is and keeps the caller's content type", async () => {
    const c = client({ allow: ["127.0.0.1/32"] });
    const res = await c.request(`${api.origin}/`, {
      method: "PUT",
      headers: { "Content-Type": "text/plain" },
      body: "plain words",
    });
    expect(res.body).toMatchObject({
      echo: { body: "plain words", headers: { "content-type": "text/plain" } },
    });
  });

  it("declares a string body it sends without a content type as text/plain; charset=utf-8 (item 12)", async () => {
    const c = client({ allow: ["127.0.0.1/32"] });
    const res = await c.request(`${api.origin}/`, { method: "POST", body: "plain words" });
    expect(res.body).toMatchObject({
      echo: { body: "plain words", headers: { "content-type": "text/plain; charset=utf-8" } },
    });
  });

  it("reaches an allow-listed host name on the address it resolved, with the name as Host", async () => {
    const dns = fakeDns({ "crm.internal.test": ["127.0.0.1"] });
    const c = client({ allow: ["crm.internal.test"], lookup: dns });
    const res = await c.request(`http://crm.internal.test:${api.port}/`, { method: "GET" });
    expect(res.body).toMatchObject({ echo: { headers: { host: `crm.internal.test:${api.port}` } } });
    expect(dns.asked).toEqual(["crm.internal.test"]);
  });

  it("follows a redirect to another allow-listed origin without the Authorization header", async () => {
    const c = client({ allow: ["127.0.0.1/32", "127.0.0.2/32"] });
    const res = await c.request(`${api.origin}/to-internal`, {
      method: "GET",
      headers: { authorization: "Bearer pk_live_x", accept: "application/json" },
    });
    expect(res.status).toBe(200);
    expect(api.requests[0]?.headers.authorization).toBe("Bearer pk_live_x");
    expect(internal.requests).toHaveLength(1);
    expect(internal.requests[0]?.url).toBe("/secret");
    expect(internal.requests[0]?.headers.authorization).toBeUndefined();
    expect(internal.requests[0]?.headers.accept).toBe("application/json");
  });

  it("drops the caller's sensitive headers on a cross-origin redirect, whatever their case", async () => {
    const c = client({ allow: ["127.0.0.1/32", "127.0.0.2/32"] });
    await c.request(`${api.origin}/to-internal`, {
      method: "GET",
      headers: { "X-API-Key": "k-live", "x-trace": "t-1" },
      sensitiveHeaders: ["x-api-key"],
    });
    expect(api.requests[0]?.headers["x-api-key"]).toBe("k-live");
    expect(internal.requests).toHaveLength(1);
    expect(internal.requests[0]?.headers["x-api-key"]).toBeUndefined();
    expect(internal.requests[0]?.headers["x-trace"]).toBe("t-1");
  });

  it("keeps sensitive headers on a same-origin redirect", async () => {
    const c = client({ allow: ["127.0.0.1/32"] });
    const res = await c.request(`${api.origin}/to-self`, {
      method: "GET",
      headers: { "x-api-key": "k-live" },
      sensitiveHeaders: ["x-api-key"],
    });
    expect(res.status).toBe(200);
    expect(api.requests.map((seen) => [seen.url, seen.headers["x-api-key"]])).toEqual([
      ["/to-self", "k-live"],
      ["/landed", "k-live"],
    ]);
  });

  it("returns a redirect as it is when told not to follow it (webhook deliveries)", async () => {
    const c = client({ allow: ["127.0.0.1/32", "127.0.0.2/32"] });
    const res = await c.request(`${api.origin}/to-internal`, { method: "GET", followRedirects: false });
    expect(res.status).toBeGreaterThanOrEqual(300);
    expect(res.status).toBeLessThan(400);
    expect(internal.requests).toHaveLength(0);
  });
});

describe("outbound client: its guard and its end", () => {
  it("gives connections it does not make itself (fetch, sockets) its own allow-list", async () => {
    const strict = client();
    const open = client({ allow: ["127.0.0.1/32"] });
    expect(() => strict.guard.checkUrl(`${api.origin}/guarded`)).toThrow(OutboundError);
    await expect(strict.guard.fetch(`${api.origin}/guarded`)).rejects.toMatchObject({
      code: "EGRESS_REFUSED",
    });
    expect(api.connections).toBe(0);
    const res = await open.guard.fetch(`${api.origin}/guarded`);
    expect(res.status).toBe(200);
    expect(api.requests.map((seen) => seen.url)).toEqual(["/guarded"]);
  });

  it("cuts a request still running when it is closed, instead of waiting for the answer", async () => {
    const hanging = await startLoopbackServer("127.0.0.1", () => undefined);
    const c = createOutboundClient({ allow: ["127.0.0.1/32"] });
    try {
      const pending = c.request(`${hanging.origin}/never`, { method: "GET" }).catch((e: unknown) => e);
      await expect.poll(() => hanging.requests.length).toBe(1);
      await c.close();
      expect(await pending).toBeInstanceOf(OutboundError);
    } finally {
      await hanging.close();
    }
  });
});
