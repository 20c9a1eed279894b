import { PassThrough } from "node:stream";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { afterEach, describe, expect, it } from "vitest";
import { runMcpBridge } from "../../src/cli/mcp-bridge.ts";
import { startRemote, type TestRemote } from "./mcp-bridge-remote.ts";

// The bridge in this process, its standard input/output being two pipes the SDK's Client speaks over
// (the stdio transport only frames lines, so it serves the client's end as well as the bridge's).

const KEY = "pb_relayTestKey0123456789";

function startBridge(url: string, env: Record<string, string>) {
  const toBridge = new PassThrough();
  const fromBridge = new PassThrough();
  const errors: string[] = [];
  const exit = runMcpBridge(
    { url, keyEnv: "PATCHBAY_API_KEY" },
    { env, stdin: toBridge, stdout: fromBridge },
    (text) => errors.push(text),
  );
  const client = new Client({ name: "relay-test", version: "1.0.0" });
  return { client, transport: new StdioServerTransport(fromBridge, toBridge), toBridge, errors, exit };
}

describe("runMcpBridge", () => {
  let remote: TestRemote | undefined;
  afterEach(async () => {
    await remote?.close();
    remote = undefined;
  });

  it("relays a session and answers 0 once the client closes its output", async () => {
    remote = await startRemote(KEY);
    const bridge = startBridge(remote.url, { PATCHBAY_API_KEY: KEY });
    await bridge.client.connect(bridge.transport);
    expect(await bridge.client.callTool({ name: "add", arguments: { a: 20, b: 22 } })).toMatchObject({
      structuredContent: { sum: 42 },
    });
    bridge.toBridge.end();
    expect(await bridge.exit).toBe(0);
    expect(bridge.errors).toEqual([]);
  });

  it("keeps running when the remote goes away after it has answered: the request fails with the reason", async () => {
    const first = await startRemote(KEY);
    const bridge = startBridge(first.url, { PATCHBAY_API_KEY: KEY });
    await bridge.client.connect(bridge.transport);
    // initialize, the initialized notification and the GET for a stream (405): the session is set up.
    await expect.poll(() => first.authorizations.length).toBe(3);
    await first.close();
    await expect(bridge.client.listTools()).rejects.toThrow(
      /cannot reach http:\/\/127\.0\.0\.1:\d+\/mcp \(ECONNREFUSED\)/,
    );
    expect(bridge.errors).toEqual([
      expect.stringMatching(/^patchbay mcp: cannot reach .* \(ECONNREFUSED\)\n$/),
    ]);
    bridge.toBridge.end();
    expect(await bridge.exit).toBe(0);
  });

  it("answers 1 when the remote refuses the key, after telling the client why", async () => {
    remote = await startRemote(KEY);
    const bridge = startBridge(remote.url, { PATCHBAY_API_KEY: "pb_revoked" });
    await expect(bridge.client.connect(bridge.transport)).rejects.toThrow(
      /refused the API key in PATCHBAY_API_KEY \(HTTP 401\)/,
    );
    expect(await bridge.exit).toBe(1);
    expect(bridge.errors).toHaveLength(1);
    expect(bridge.errors.join("")).not.toContain("pb_revoked");
  });
});
