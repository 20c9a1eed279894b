import { spawn } from "node:child_process";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  CreateMessageRequestSchema,
  JSONRPCMessageSchema,
  LATEST_PROTOCOL_VERSION,
  LoggingMessageNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRemote, type TestRemote } from "./mcp-bridge-remote.ts";
import { root } from "./run-patchbay.ts";

// `patchbay mcp` (the stdio bridge) as a desktop MCP client runs it: a process of its own, spoken to by
// the SDK's Client over StdioClientTransport, relaying to a remote Streamable HTTP server.

const KEY = "pb_bridgeTestKey0123456789";
const USAGE = "usage: patchbay mcp --url <base> [--key-env VAR]";

/** What one run of the bridge did, fed `input` (JSON-RPC messages) and then the end of its input. */
interface BridgeRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBridge(
  args: readonly string[],
  env: Record<string, string>,
  input: readonly object[],
): Promise<BridgeRun> {
  const child = spawn(process.execPath, ["bin/patchbay.js", "mcp", ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(input.map((message) => `${JSON.stringify(message)}\n`).join(""));
  return once(child, "close").then(([code]) => ({
    code: typeof code === "number" ? code : null,
    stdout,
    stderr,
  }));
}

const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: LATEST_PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: "raw", version: "1" },
  },
};

/** A client of the bridge started with `env`; its standard error is collected in `stderr()`. */
function bridgeClient(url: string, env: Record<string, string>, extraArgs: readonly string[] = []) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ["bin/patchbay.js", "mcp", "--url", url, ...extraArgs],
    cwd: root,
    env,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: "bridge-test", version: "1.0.0" });
  const errors: Error[] = [];
  client.onerror = (error) => errors.push(error);
  return { client, transport, errors, stderr: () => stderr };
}

describe("patchbay mcp (the stdio bridge)", () => {
  let remote: TestRemote;

  beforeAll(async () => {
    remote = await startRemote(KEY);
  });
  afterAll(async () => {
    await remote.close();
  });

  it("relays tools/list and tools/call, and the server's own messages, to a client on standard input/output", async () => {
    const start = remote.authorizations.length;
    const { client, transport, errors, stderr } = bridgeClient(remote.url, { PATCHBAY_API_KEY: KEY });
    const logged: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      logged.push(notification.params.data);
    });
    await client.connect(transport);
    expect(client.getServerVersion()).toEqual({ name: "remote", version: "1.0.0" });

    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(["add", "announce", "ask"]);
    expect(tools[0]?.inputSchema.required).toEqual(["a", "b"]);
    expect(await client.callTool({ name: "add", arguments: { a: 2, b: 40 } })).toMatchObject({
      content: [{ type: "text", text: "42" }],
      structuredContent: { sum: 42 },
    });
    expect(await client.callTool({ name: "announce" })).toMatchObject({ content: [{ text: "announced" }] });
    expect(logged).toEqual(["announcing"]);
    await client.close();

    // Any byte on standard output that is not a JSON-RPC message would have reached onerror.
    expect(errors).toEqual([]);
    expect(stderr()).toBe("");
    const seen = remote.authorizations.slice(start);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(new Set(seen)).toEqual(new Set([`Bearer ${KEY}`]));
  });

  it("reads the key from the variable --key-env names, and writes only JSON-RPC messages to standard output", async () => {
    const start = remote.authorizations.length;
    const run = await runBridge(
      ["--url", `${remote.url}/`, "--key-env", "ACME_PATCHBAY_KEY"],
      { ACME_PATCHBAY_KEY: KEY },
      [
        initialize,
        { jsonrpc: "2.0", method: "notifications/initialized" },
        { jsonrpc: "2.0", id: 2, method: "tools/list" },
        { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "add", arguments: { a: 1, b: 2 } } },
      ],
    );
    // Standard input ended at once: the bridge still waits for the answers before it exits.
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const lines = run.stdout.split("\n");
    expect(lines.pop()).toBe("");
    const messages = lines.map((line) => JSONRPCMessageSchema.parse(JSON.parse(line)));
    expect(messages.map((message) => ("id" in message ? message.id : undefined)).sort()).toEqual([1, 2, 3]);
    expect(messages.find((message) => "id" in message && message.id === 3)).toMatchObject({
      result: { structuredContent: { sum: 3 } },
    });
    expect(new Set(remote.authorizations.slice(start))).toEqual(new Set([`Bearer ${KEY}`]));
  });

  it("exits 1 with one line naming the variable when the remote refuses the key (HTTP 401)", async () => {
    const run = await runBridge(["--url", remote.url], { PATCHBAY_API_KEY: "pb_wrongKey" }, [initialize]);
    const line = `patchbay mcp: ${remote.url}/mcp refused the API key in PATCHBAY_API_KEY (HTTP 401); set it to a valid Patchbay API key`;
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`${line}\n`);
    // The client's pending request is answered with the same words, on the protocol's channel.
    expect(JSON.parse(run.stdout)).toEqual({ jsonrpc: "2.0", id: 1, error: { code: -32603, message: line } });
    expect(run.stdout + run.stderr).not.toContain("pb_wrongKey");
    expect(remote.authorizations.at(-1)).toBe("Bearer pb_wrongKey");
  });

  it("makes the SDK client's connect fail with the refusal when the key is wrong", async () => {
    const { client, transport, stderr } = bridgeClient(remote.url, { MY_KEY: "pb_wrongKey" }, [
      "--key-env",
      "MY_KEY",
    ]);
    await expect(client.connect(transport)).rejects.toThrow(/refused the API key in MY_KEY \(HTTP 401\)/);
    await expect
      .poll(stderr)
      .toMatch(/^patchbay mcp: .* refused the API key in MY_KEY \(HTTP 401\); [^\n]*\n$/);
    await client.close();
  });

  it.each([
    [{}, "PATCHBAY_API_KEY is not set (the API key)", []],
    [{ PATCHBAY_API_KEY: "" }, "PATCHBAY_API_KEY is not set (the API key)", []],
    [{ PATCHBAY_API_KEY: KEY }, "OTHER_KEY is not set (the API key)", ["--key-env", "OTHER_KEY"]],
    [
      { PATCHBAY_API_KEY: "pb_two words" },
      "PATCHBAY_API_KEY must hold an API key (printable ASCII without spaces)",
      [],
    ],
  ])(
    "exits 2 with a usage line when the key variable is missing or unusable (%j)",
    async (env, reason, args) => {
      const run = await runBridge(["--url", remote.url, ...args], env, [initialize]);
      expect(run).toEqual({ code: 2, stdout: "", stderr: `patchbay: mcp: ${reason}; ${USAGE}\n` });
    },
  );

  it.each([
    [[], "required option '--url <base>' not specified"],
    [["--url", "ftp://example.com"], "mcp: --url must be an http(s) URL (got a ftp: URL)"],
    [
      ["--url", "https://user:pw@example.com"],
      "mcp: --url must not carry a user name or password; put the API key in the key variable",
    ],
  ])("refuses the command line %j with status 2", async (args, line) => {
    expect(await runBridge(args, { PATCHBAY_API_KEY: KEY }, [])).toEqual({
      code: 2,
      stdout: "",
      stderr: `patchbay: ${line}\n`,
    });
  });

  it("exits 1 with one line when the remote cannot be reached", async () => {
    // A port that was free a moment ago: nothing listens on it.
    const probe = createServer().listen(0, "127.0.0.1");
    await once(probe, "listening");
    const { port } = probe.address() as AddressInfo;
    probe.close();
    await once(probe, "close");
    const run = await runBridge(["--url", `http://127.0.0.1:${port}`], { PATCHBAY_API_KEY: KEY }, [
      initialize,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`patchbay mcp: cannot reach http://127.0.0.1:${port}/mcp (ECONNREFUSED)\n`);
    expect(JSON.parse(run.stdout)).toMatchObject({ id: 1, error: { code: -32603 } });
  });

  it("answers --help with its usage and options", async () => {
    const run = await runBridge(["--help"], {}, []);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: patchbay mcp /);
    for (const option of ["--url <base>", "--key-env <variable>", '"PATCHBAY_API_KEY"']) {
      expect(run.stdout).toContain(option);
    }
  });
});

describe("patchbay mcp with a remote that keeps sessions", () => {
  let remote: TestRemote;

  beforeAll(async () => {
    remote = await startRemote(KEY, { sessions: true });
  });
  afterAll(async () => {
    await remote.close();
  });

  it("relays the server's sampling request to the client and the client's answer back", async () => {
    const { client, transport, errors, stderr } = bridgeClient(remote.url, { PATCHBAY_API_KEY: KEY });
    client.registerCapabilities({ sampling: {} });
    const asked: unknown[] = [];
    client.setRequestHandler(CreateMessageRequestSchema, (request) => {
      asked.push(request.params.messages[0]?.content);
      return { role: "assistant", model: "test-model", content: { type: "text", text: "forty-two" } };
    });
    await client.connect(transport);
    expect(await client.callTool({ name: "ask", arguments: { question: "the answer?" } })).toMatchObject({
      content: [{ type: "text", text: "forty-two" }],
    });
    expect(asked).toEqual([{ type: "text", text: "the answer?" }]);
    await client.close();
    expect(errors).toEqual([]);
    expect(stderr()).toBe("");
  });
});
