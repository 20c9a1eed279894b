import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePrometheusText, type Sample, sampleValue } from "../support/prometheus-text.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The shared parts' metrics after real traffic: a key over its rate limit, the database pool, and the
// batches execution records are written in.
describe("rate limit, database pool and execution record metrics", () => {
  let t: TestServer;
  const scrape = async (): Promise<Sample[]> =>
    parsePrometheusText(await (await fetch(`${t.url}/metrics`)).text());

  beforeAll(async () => {
    t = await startTestServer("postgresql", { PATCHBAY_RATE_LIMITS: "standard=3/1h" });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("counts rate-limit refusals by tier, reads the pool, and counts records written", async () => {
    const before = await scrape();
    const key = await t.createKey(["execute"], "metrics-limited");
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${t.url}/patchbay.v1.ExecuteService/Execute`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ connectorSlug: "echo", command: "echo", params: { message: `n${i}` } }),
      });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    await expect
      .poll(
        async () =>
          sampleValue(await scrape(), "patchbay_execution_records_total", { result: "written" }) -
          sampleValue(before, "patchbay_execution_records_total", { result: "written" }),
        { timeout: 30_000 },
      )
      .toBe(3);
    const after = await scrape();
    expect(
      sampleValue(after, "patchbay_rate_limited_total", { tier: "standard" }) -
        sampleValue(before, "patchbay_rate_limited_total", { tier: "standard" }),
    ).toBe(2);
    expect(sampleValue(after, "patchbay_execution_record_batch_seconds_count")).toBeGreaterThan(0);
    // The main pool holds connections (the scrape itself needs none); nothing waits on an idle server.
    const main = { pool: "main" };
    const pool =
      sampleValue(after, "patchbay_db_pool_connections", { ...main, state: "in_use" }) +
      sampleValue(after, "patchbay_db_pool_connections", { ...main, state: "idle" });
    expect(pool).toBeGreaterThan(0);
    expect(sampleValue(after, "patchbay_db_pool_waiting", main)).toBe(0);
  }, 60_000);
});
