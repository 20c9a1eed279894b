import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
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
  // The upstream the held call reaches: it answers only when the test releases it, so the test knows
  // the call is in flight (the upstream has it) before it looks at the refusals.
  let upstream: Server;
  let arrived: () => void = () => undefined;
  let release: () => void = () => undefined;
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
    upstream = createServer((_req, res) => {
      release = () => res.end("released");
      arrived();
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    t = await startTestServer("postgresql", {
      PATCHBAY_CONCURRENCY_LIMITS: "standard=1",
      PATCHBAY_EGRESS_ALLOW: "127.0.0.1/32",
    });
    key = await t.createKey(["mcp", "execute"], "agent-in-flight");
  });
  afterAll(async () => {
    await t?.stop();
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
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
      const request = tools.tools.find((tool) => tool.name === "http_request");
      expect(request).toBeDefined();
      const reached = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const { port } = upstream.address() as AddressInfo;
      const running = client.callTool({
        name: "http_request",
        arguments: { url: `http://127.0.0.1:${port}/hold`, method: "GET" },
      });
      await reached;
      const refusedMcp = await mcpPost();
      expect(refusedMcp.status).toBe(429);
      expect(refusedMcp.headers.get("retry-after")).toBe("1");
      expect(((await refusedMcp.json()) as { message: string }).message).toContain(
        "too many calls in flight",
      );
      expect((await restCall()).status).toBe(429);
      release();
      // However it ended, the finished call gives its slot back.
      await running;
      await expect.poll(async () => (await mcpPost()).status, { timeout: 25_000 }).toBe(200);
      expect((await restCall()).status).toBe(200);
    } finally {
      await client.close();
    }
  });
});
