import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePrometheusText, type Sample, sampleValue } from "../support/prometheus-text.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The sandbox's and the outbound client's metrics after real calls: a script that succeeds and one that
// runs out of time, an http request answered by a local upstream and one the egress policy refuses.
describe("sandbox and outbound metrics", () => {
  let t: TestServer;
  let upstream: Server;
  let upstreamPort = 0;
  let key = "";
  const scrape = async (): Promise<Sample[]> =>
    parsePrometheusText(await (await fetch(`${t.url}/metrics`)).text());
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${t.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    return res.status;
  };

  beforeAll(async () => {
    upstream = createServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    upstreamPort = (upstream.address() as AddressInfo).port;
    t = await startTestServer("postgresql");
    key = await t.createKey(["execute", "catalog:write", "catalog:read"], "metrics-sandbox");
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it("counts script outcomes and limit breaches, and the sandbox processes", async () => {
    expect(
      await post("/api/v1/connectors", {
        name: "metrics-script",
        executionModel: "script",
        scriptLimits: { cpuMs: 200 },
        scriptSource:
          "function ok() { return { success: true, payload: {} }; } function spin() { for (;;) {} }",
        configSchema: { commands: { ok: { params: [] }, spin: { params: [] } } },
      }),
    ).toBeLessThan(300);
    const before = await scrape();
    expect(await post("/api/v1/connectors/metrics-script/execute", { command: "ok" })).toBe(200);
    expect(await post("/api/v1/connectors/metrics-script/execute", { command: "spin" })).not.toBe(200);
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(moved("patchbay_sandbox_executions_total", { outcome: "success" })).toBe(1);
    expect(moved("patchbay_sandbox_executions_total", { outcome: "timeout" })).toBe(1);
    expect(moved("patchbay_sandbox_limit_breaches_total", { kind: "timeout" })).toBe(1);
    expect(sampleValue(after, "patchbay_sandbox_processes")).toBeGreaterThan(0);
  }, 60_000);

  it("shows the isolates the sandbox processes hold and their heaps", async () => {
    expect(await post("/api/v1/connectors/metrics-script/execute", { command: "ok" })).toBe(200);
    // The processes report their isolates every few seconds: the warm isolate of "ok" shows up soon.
    let samples: Sample[] = [];
    await expect
      .poll(
        async () => {
          samples = await scrape();
          return (
            sampleValue(samples, "patchbay_sandbox_isolates") >= 1 &&
            sampleValue(samples, "patchbay_sandbox_isolate_heap_bytes", { state: "used" }) > 0
          );
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe(true);
    expect(
      sampleValue(samples, "patchbay_sandbox_isolate_heap_bytes", { state: "total" }),
    ).toBeGreaterThanOrEqual(sampleValue(samples, "patchbay_sandbox_isolate_heap_bytes", { state: "used" }));
  }, 90_000);

  it("counts outbound requests by status class, and egress refusals by reason", async () => {
    const before = await scrape();
    const request = (url: string) =>
      post("/api/v1/connectors/http/execute", { command: "request", params: { url, method: "GET" } });
    expect(await request(`http://127.0.0.1:${upstreamPort}/fine`)).toBe(200);
    // 127.0.0.2 is loopback but not on this server's allow-list: refused before any connection.
    expect(await request(`http://127.0.0.2:${upstreamPort}/refused`)).not.toBe(200);
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(moved("patchbay_outbound_requests_total", { outcome: "2xx" })).toBe(1);
    expect(moved("patchbay_outbound_requests_total", { outcome: "egress_refused" })).toBe(1);
    expect(moved("patchbay_egress_refusals_total", { reason: "egress_refused" })).toBe(1);
    expect(moved("patchbay_outbound_duration_seconds_count", { status: "2xx" })).toBe(1);
  }, 60_000);
});
