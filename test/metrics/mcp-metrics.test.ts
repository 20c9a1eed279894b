import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePrometheusText, type Sample, sampleValue } from "../support/prometheus-text.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const COUNTER = "patchbay_rpc_requests_total";

// MCP requests in the RPC metrics: the official SDK client's requests count as protocol `mcp` by their
// method, a method a caller made up counts as `/mcp/other` (never under its own text), and a refused
// request counts with its code.
describe("MCP requests in the RPC metrics", () => {
  let t: TestServer;
  let key = "";
  const scrape = async (): Promise<Sample[]> =>
    parsePrometheusText(await (await fetch(`${t.url}/metrics`)).text());

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    key = await t.createKey(["mcp", "execute"], "metrics-agent");
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("counts the SDK client's requests by method, under protocol mcp", async () => {
    const before = await scrape();
    const client = new Client({ name: "metrics-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    try {
      const tools = await client.listTools();
      expect(tools.tools.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
    const after = await scrape();
    const moved = (procedure: string, code = "ok") =>
      sampleValue(after, COUNTER, { procedure, protocol: "mcp", code }) -
      sampleValue(before, COUNTER, { procedure, protocol: "mcp", code });
    expect(moved("/mcp/initialize")).toBe(1);
    expect(moved("/mcp/tools/list")).toBe(1);
    expect(
      sampleValue(after, "patchbay_rpc_duration_seconds_count", {
        procedure: "/mcp/tools/list",
        protocol: "mcp",
      }),
    ).toBeGreaterThanOrEqual(1);
    // Nothing is left in flight once the client has gone (its notification stream ends when it closes).
    await expect
      .poll(
        async () =>
          sampleValue(await scrape(), "patchbay_rpc_in_flight", { procedure: "/mcp", protocol: "mcp" }),
        {
          timeout: 60_000,
        },
      )
      .toBe(0);
  });

  it("counts a made-up method as /mcp/other and a missing key as unauthenticated", async () => {
    const before = await scrape();
    const made = "tools/made-up-by-the-caller-7f3e";
    const res = await fetch(`${t.url}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: made, params: {} }),
    });
    await res.arrayBuffer();
    const anonymous = await fetch(`${t.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
    });
    expect(anonymous.status).toBe(401);
    await anonymous.arrayBuffer();
    const text = await (await fetch(`${t.url}/metrics`)).text();
    expect(text).not.toContain(made);
    const after = parsePrometheusText(text);
    const total = (samples: Sample[], procedure: string) =>
      samples
        .filter((s) => s.name === COUNTER && s.labels.procedure === procedure && s.labels.protocol === "mcp")
        .reduce((sum, s) => sum + s.value, 0);
    expect(total(after, "/mcp/other") - total(before, "/mcp/other")).toBe(1);
    expect(
      sampleValue(after, COUNTER, { procedure: "/mcp", protocol: "mcp", code: "unauthenticated" }) -
        sampleValue(before, COUNTER, { procedure: "/mcp", protocol: "mcp", code: "unauthenticated" }),
    ).toBe(1);
  });
});
