import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  CreateMessageRequestSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import { root } from "./run-patchbay.ts";

// The stdio bridge in front of a real Patchbay: a desktop client that speaks only stdio lists and calls
// tools, answers the server's sampling request, and hears tools/list_changed, all through the bridge.

const SCRIPT = `function test() { return { success: true, payload: { ok: true } }; }
function ping() { return { success: true, payload: { pong: true } }; }`;

describe("patchbay mcp in front of a real Patchbay", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("relays tool calls, sampling and tools/list_changed", async () => {
    const key = await t.createKey(["mcp", "execute", "catalog:write", "connections"], "desktop-user");
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ["bin/patchbay.js", "mcp", "--url", t.url, "--key-env", "PB_KEY"],
      cwd: root,
      env: { PATH: process.env.PATH ?? "", PB_KEY: key },
      stderr: "pipe",
    });
    const client = new Client({ name: "desktop", version: "1.0.0" }, { capabilities: { sampling: {} } });
    let sampled = 0;
    client.setRequestHandler(CreateMessageRequestSchema, async () => {
      sampled += 1;
      return {
        role: "assistant",
        model: "desktop-model",
        content: { type: "text", text: `\`\`\`javascript\n${SCRIPT}\n\`\`\`` },
      };
    });
    let told = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      told += 1;
    });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toContain("echo_echo");
      const echoed = await client.callTool({ name: "echo_echo", arguments: { message: "hi" } });
      expect(echoed.isError).toBeFalsy();
      expect(echoed.structuredContent).toMatchObject({ message: "hi" });

      const generated = await client.callTool({
        name: "generate_connector_script",
        arguments: { description: "A ping service", commands: ["ping"] },
      });
      expect(sampled).toBe(1);
      expect(generated.structuredContent).toMatchObject({ generatedBy: "sampling", model: "desktop-model" });

      // The bridge's client opens its stream after initializing; changes are made until one is heard.
      let n = 0;
      await expect
        .poll(
          async () => {
            if (told === 0) {
              await fetch(`${t.url}/api/v1/connections`, {
                method: "POST",
                headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
                body: JSON.stringify({ connectorSlug: "placeholder-api", label: `Shop ${n++}` }),
              });
            }
            return told;
          },
          { timeout: 30_000, interval: 200 },
        )
        .toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });
});
