import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// Issue 19 item 15: PATCHBAY_RATE_LIMITS can name the plan presets; a key of a preset tier is held to the
// preset's daily window over the wire.
describe("a rate-limit preset over the wire", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer("postgresql", { PATCHBAY_RATE_LIMITS: "standard=team,free" });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("limits a key of the free tier to 50 calls a day on REST, stating the daily limit", async () => {
    const key = (
      await t.server.keys.create({
        tenantId: "default",
        subject: "tester",
        name: "free",
        scopes: ["catalog:read"],
        tier: "free",
      })
    ).key;
    const call = () => fetch(`${t.url}/api/v1/connectors?pageSize=1`, { headers: { "x-api-key": key } });
    for (let i = 0; i < 50; i++) {
      const res = await call();
      expect(res.status).toBe(200);
      expect(res.headers.get("x-ratelimit-limit")).toBe("50");
      expect(res.headers.get("x-ratelimit-remaining")).toBe(String(49 - i));
    }
    const refused = await call();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("x-ratelimit-limit")).toBe("50");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(60);
  });

  it("gives a key of the default tier the preset it was set to", async () => {
    const key = await t.createKey(["catalog:read"]);
    const res = await fetch(`${t.url}/api/v1/connectors?pageSize=1`, { headers: { "x-api-key": key } });
    expect(res.status).toBe(200);
    // The team preset's per-minute window (500) is the one closer to exhaustion than its daily 5000.
    expect(res.headers.get("x-ratelimit-limit")).toBe("500");
  });
});
