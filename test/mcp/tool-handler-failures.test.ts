import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectMcp, postMcp, type WireClient } from "../support/mcp-wire.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// Tool arguments nested past the input rules' depth (64 levels, docs/limits.md) are refused before
// anything walks them whole, as a tool error naming `arguments`, never a stack overflow; and a request
// whose handler throws is logged as failed, with a generic message to the client when the failure was
// unexpected.

/** An array nested `levels` deep. */
function nested(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

const TOO_DEEP = {
  code: "invalid_argument",
  errorCode: "INVALID_ARGUMENT",
  message: "arguments nests deeper than 64 levels",
};

describe("MCP request handlers that refuse or fail", () => {
  let t: TestServer;
  let key = "";
  let mcp: WireClient;

  /** The `/mcp` log line of request `reqId`, once written. */
  const logLine = async (reqId: string) => {
    const find = () =>
      t.logs.lines().find((l) => l.reqId === reqId && String(l.procedure).startsWith("/mcp"));
    await expect.poll(() => find() !== undefined).toBe(true);
    return find();
  };

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    key = await t.createKey(["mcp", "execute", "catalog:write"], "handler-failures", "tenant-a");
    mcp = await connectMcp(t.url, key);
  });
  afterAll(async () => {
    await mcp?.close();
    await t?.stop();
  });

  it("runs arguments as deep as Execute's params may be (63 levels with the arguments object)", async () => {
    const message = nested(62);
    const result = await mcp.client.callTool({ name: "echo_echo", arguments: { message } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ message });
  });

  for (const levels of [64, 1_000]) {
    it(`refuses arguments ${levels} levels deep as a tool error naming arguments, logged as such`, async () => {
      const result = await mcp.client.callTool({
        name: "echo_echo",
        arguments: { message: nested(levels - 1) },
      });
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toEqual(TOO_DEEP);
      expect((await logLine(mcp.lastRequestId()))?.code).toBe("invalid_argument");
    });
  }

  it("refuses 5,000 and 100,000 levels, deeper than the SDK's client can write, for every kind of tool", async () => {
    const calls = [5_000, 100_000].flatMap((levels) =>
      ["echo_echo", "generate_connector_script"].map((name) => ({ levels, name })),
    );
    for (const { levels, name } of calls) {
      const deep = `${"[".repeat(levels)}${"]".repeat(levels)}`;
      const answer = await postMcp(
        t.url,
        key,
        `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${name}","arguments":{"useSampling":false,"description":${deep}}}}`,
      );
      expect(answer.status).toBe(200);
      const body = JSON.parse(answer.text) as { result?: { isError?: boolean; structuredContent?: unknown } };
      expect(body.result?.isError).toBe(true);
      expect(body.result?.structuredContent).toEqual(TOO_DEEP);
      expect(answer.text).not.toContain("stack");
      expect((await logLine(answer.reqId))?.code).toBe("invalid_argument");
    }
    // The server goes on serving.
    const after = await mcp.client.callTool({ name: "echo_echo", arguments: { message: "still here" } });
    expect(after.structuredContent).toEqual({ message: "still here" });
  });

  it("logs a tools/list refused with a JSON-RPC error (a cursor not of the list) as invalid_argument", async () => {
    const refused = await mcp.client.listTools({ cursor: "not-a-cursor" }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(McpError);
    expect((refused as McpError).message).toContain("cursor is invalid");
    expect((await logLine(mcp.lastRequestId()))?.code).toBe("invalid_argument");
  });

  it("answers an unexpected failure as a generic internal error, its cause in the log line alone", async () => {
    // The caller's connections cannot be read: the table is out of the way for this one call.
    const db = new pg.Client({ connectionString: t.database?.url });
    await db.connect();
    let failed: unknown;
    let reqId = "";
    try {
      await db.query("alter table connections rename to connections_away");
      failed = await mcp.client.listTools().catch((error: unknown) => error);
      reqId = mcp.lastRequestId();
    } finally {
      await db.query("alter table connections_away rename to connections");
      await db.end();
    }
    expect(failed).toBeInstanceOf(McpError);
    expect((failed as McpError).code).toBe(ErrorCode.InternalError);
    expect((failed as McpError).message).toMatch(/: internal error$/);
    expect((failed as McpError).message).not.toContain("connections");
    const line = await logLine(reqId);
    expect(line?.code).toBe("internal");
    expect(JSON.stringify(line?.err)).toContain("connections");
    // And the list reads again once the table is back.
    expect((await mcp.client.listTools()).tools.some((tool) => tool.name === "echo_echo")).toBe(true);
  });
});
