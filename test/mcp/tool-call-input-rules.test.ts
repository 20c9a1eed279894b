import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDEMPOTENCY_KEY_META } from "../../src/mcp/call-options.ts";
import { connectMcp, type WireClient } from "../support/mcp-wire.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// A connector tool call is one Execute request, held to the input rules Execute's edge holds every
// protocol to, with or without an idempotency key: a value REST's Execute refuses is refused as a tool
// error with Execute's own message (naming the field), and its command never runs.

describe("MCP connector tool calls and Execute's input rules", () => {
  let t: TestServer;
  let key = "";
  let mcp: WireClient;

  /** REST Execute of the echo command: its status and message. */
  const restExecute = async (params: Record<string, unknown>) => {
    const res = await fetch(`${t.url}/api/v1/connectors/echo/execute`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ command: "echo", params }),
    });
    return { status: res.status, message: ((await res.json()) as { message?: string }).message };
  };
  /** How many executions the key's records hold. */
  const executions = async () => {
    const res = await fetch(`${t.url}/api/v1/executions?pageSize=100`, {
      headers: { authorization: `Bearer ${key}` },
    });
    return ((await res.json()) as { executions?: unknown[] }).executions?.length ?? 0;
  };
  /** The `/mcp` log line of request `reqId`, once written. */
  const logLine = async (reqId: string) => {
    await expect
      .poll(() => t.logs.lines().some((l) => l.reqId === reqId && String(l.procedure).startsWith("/mcp")))
      .toBe(true);
    return t.logs.lines().find((l) => l.reqId === reqId && String(l.procedure).startsWith("/mcp"));
  };

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    key = await t.createKey(["mcp", "execute"], "input-rules", "tenant-a");
    mcp = await connectMcp(t.url, key);
  });
  afterAll(async () => {
    await mcp?.close();
    await t?.stop();
  });

  const many = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]));
  const cases = [
    {
      what: "a U+0000 in a param",
      message: "a\u0000b",
      says: 'params["message"] must not contain U+0000 (NUL)',
    },
    {
      what: "a param object of 20,000 entries",
      message: many,
      says: 'params["message"] has more than 10000 entries',
    },
  ];

  for (const { what, message, says } of cases) {
    for (const keyed of [false, true]) {
      it(`refuses ${what} as Execute does, ${keyed ? "with" : "without"} an idempotency key, running nothing`, async () => {
        const rest = await restExecute({ message });
        expect(rest).toEqual({ status: 400, message: says });
        const before = await executions();

        const result = await mcp.client.callTool({
          name: "echo_echo",
          arguments: { message },
          ...(keyed ? { _meta: { [IDEMPOTENCY_KEY_META]: `rule-${what.length}` } } : {}),
        });
        expect(result.isError).toBe(true);
        expect(result.structuredContent).toEqual({
          code: "invalid_argument",
          errorCode: "INVALID_ARGUMENT",
          message: rest.message,
        });
        expect((await logLine(mcp.lastRequestId()))?.code).toBe("invalid_argument");
        // The command never ran: no execution record was written.
        expect(await executions()).toBe(before);
      });
    }
  }

  it("still runs a clean call on both paths", async () => {
    for (const meta of [undefined, { [IDEMPOTENCY_KEY_META]: "clean-1" }]) {
      const result = await mcp.client.callTool({
        name: "echo_echo",
        arguments: { message: "hello" },
        ...(meta === undefined ? {} : { _meta: meta }),
      });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({ message: "hello" });
    }
  });
});
