import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// /mcp counts against the key's in-flight limit with the same gate as every other protocol: while a key
// with a limit of one has a tool call running, its next MCP request and its next REST call are refused
// with 429 and retry-after, and both go through again once the call has finished.
describe("the in-flight limit on /mcp", () => {
  let t: TestServer;
  let key = "";
  const mcpPost = () =>
    fetch(`${t.url}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
    });
  const restCall = () =>
    fetch(`${t.url}/api/v1/connectors/delay/execute`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ command: "wait", params: { delayMs: 1 } }),
    });

  beforeAll(async () => {
    t = await startTestServer("postgresql", { PATCHBAY_CONCURRENCY_LIMITS: "standard=1" });
    key = await t.createKey(["mcp", "execute"], "agent-in-flight");
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("refuses a key's next MCP request and REST call while its one allowed call runs", async () => {
    const client = new Client({ name: "in-flight-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    try {
      const tools = await client.listTools();
      const wait = tools.tools.find((tool) => tool.name === "delay_wait");
      expect(wait).toBeDefined();
      // A long wait (under the server's 30 s default budget) keeps the call in flight while the refusals
      // are observed; the test does not time it.
      const running = client.callTool({ name: "delay_wait", arguments: { delayMs: 20_000 } });
      await expect.poll(async () => (await mcpPost()).status, { timeout: 25_000 }).toBe(429);
      const refusedMcp = await mcpPost();
      expect(refusedMcp.status).toBe(429);
      expect(refusedMcp.headers.get("retry-after")).toBe("1");
      expect(((await refusedMcp.json()) as { message: string }).message).toContain(
        "too many calls in flight",
      );
      expect((await restCall()).status).toBe(429);
      // However it ended, the finished call gives its slot back.
      await running;
      await expect.poll(async () => (await mcpPost()).status, { timeout: 25_000 }).toBe(200);
      expect((await restCall()).status).toBe(200);
    } finally {
      await client.close();
    }
  });
});
