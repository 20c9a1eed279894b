import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../support/test-server.ts";

// The overview's data is read with an API key, so it counts against that key's rate limit like an API
// call (the same counters): past the limit it answers 429 with retry-after, as `{code, message}` like its
// other refusals, and another tenant's key goes on unaffected. PATCHBAY_RATE_LIMITS=off limits nothing.

const DATA = "/admin/overview/data";

const get = (t: TestServer, path: string, key: string) =>
  fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${key}` } });

describe("the overview's data under the key's rate limit", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql", { PATCHBAY_RATE_LIMITS: "standard=3/60s" });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("answers 429 with retry-after past the key's limit, which its API calls share", async () => {
    const key = await t.createKey(["admin"], "overview-admin");
    const other = await t.createKey(["admin"], "overview-admin-b");

    const call = await get(t, "/api/v1/connectors", key);
    await call.arrayBuffer();
    expect(call.status).toBe(200);
    for (const remaining of ["1", "0"]) {
      const response = await get(t, DATA, key);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { enabled: boolean }).enabled).toBe(true);
      expect(response.headers.get("x-ratelimit-limit")).toBe("3");
      expect(response.headers.get("x-ratelimit-remaining")).toBe(remaining);
      expect(Number(response.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000 - 1);
    }

    const refused = await get(t, DATA, key);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(refused.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(refused.headers.get("content-type")).toBe("application/json");
    expect(refused.headers.get("cache-control")).toBe("no-store");
    const body = (await refused.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["code", "message"]);
    expect(body.code).toBe("resource_exhausted");
    expect(body.message).toMatch(/^rate limit exceeded: retry after \d+ s$/);
    // A HEAD past the limit is refused the same way, without a body.
    const head = await fetch(`${t.url}${DATA}`, { method: "HEAD", headers: { "x-api-key": key } });
    expect(head.status).toBe(429);
    expect(Number(head.headers.get("retry-after"))).toBeGreaterThan(0);
    // One limit per key: the API refuses the key too.
    const after = await get(t, "/api/v1/connectors", key);
    await after.arrayBuffer();
    expect(after.status).toBe(429);

    // Another key has its own counter.
    const theirs = await get(t, DATA, other);
    expect(theirs.status).toBe(200);
    await theirs.arrayBuffer();
    expect(theirs.headers.get("x-ratelimit-remaining")).toBe("2");
  });

  it("refuses a key without the admin scope before counting it", async () => {
    const reader = await t.createKey(["catalog:read"], "overview-reader");
    for (let i = 0; i < 4; i++) {
      const response = await get(t, DATA, reader);
      await response.arrayBuffer();
      expect(response.status).toBe(403);
      expect(response.headers.get("x-ratelimit-limit")).toBeNull();
    }
    // Its refusals above counted nothing: all three of its calls are left.
    const call = await get(t, "/api/v1/connectors", reader);
    await call.arrayBuffer();
    expect(call.status).toBe(200);
    expect(call.headers.get("x-ratelimit-remaining")).toBe("2");
  });
});

describe("the overview's data with PATCHBAY_RATE_LIMITS=off", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql", { PATCHBAY_RATE_LIMITS: "off" });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("is not limited", async () => {
    const key = await t.createKey(["admin"], "overview-admin");
    for (let i = 0; i < 8; i++) {
      const response = await get(t, DATA, key);
      await response.arrayBuffer();
      expect(response.status).toBe(200);
      expect(response.headers.get("x-ratelimit-limit")).toBeNull();
    }
  });
});
