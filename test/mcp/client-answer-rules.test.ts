import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectMcp, postMcp, type WireClient } from "../support/mcp-wire.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// A client's answer to a server-to-client request (sampling) is stored for the replica that waits for
// it (mcp_replies, jsonb) when it reaches another. An answer PostgreSQL could not store (a U+0000, a lone
// surrogate) or the server could not even write as JSON (nested 100,000 deep) is refused with 400 before
// anything is stored, with a message that names where and never quotes it; the server keeps serving.

/** An id of the form the server gives its requests, waited for by no call: such an answer is stored. */
const wireId = () => `pb-${crypto.randomUUID()}`;

describe("MCP client answers held to the input rules", () => {
  let t: TestServer;
  let key = "";
  let mcp: WireClient;
  let db: pg.Client;

  const stored = async () => Number((await db.query("select count(*) as n from mcp_replies")).rows[0]?.n);
  const logLine = async (reqId: string) => {
    const find = () => t.logs.lines().find((l) => l.reqId === reqId && l.procedure === "/mcp/reply");
    await expect.poll(() => find() !== undefined).toBe(true);
    return find();
  };

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    key = await t.createKey(["mcp", "execute"], "answers", "tenant-a");
    mcp = await connectMcp(t.url, key);
    db = new pg.Client({ connectionString: t.database?.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await mcp?.close();
    await t?.stop();
  });

  it("stores a clean answer for a call waiting elsewhere", async () => {
    const before = await stored();
    const answer = await postMcp(
      t.url,
      key,
      JSON.stringify({ jsonrpc: "2.0", id: wireId(), result: { text: "fine" } }),
    );
    expect(answer.status).toBe(202);
    expect(await stored()).toBe(before + 1);
  });

  const SECRET = "call Jane Roe +1-555-0100";
  const cases = [
    {
      what: "a U+0000 in a string",
      result: `{"text":"${SECRET}\\u0000"}`,
      says: 'answer["result"]["text"] must not contain U+0000 (NUL)',
    },
    {
      what: "a U+0000 in a key",
      result: `{"${SECRET}\\u0000":1}`,
      says: 'answer["result"][?] key must not contain U+0000 (NUL)',
    },
    {
      what: "a lone surrogate",
      result: `{"text":"${SECRET}\\ud800"}`,
      says: 'answer["result"]["text"] must be valid Unicode text (it holds a lone surrogate)',
    },
    {
      what: "nesting 100,000 deep",
      result: `{"x":${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
      says: "nests deeper than 64 levels",
    },
  ];

  for (const { what, result, says } of cases) {
    it(`refuses an answer with ${what}: 400 naming where, nothing stored, nothing quoted`, async () => {
      const before = await stored();
      const answer = await postMcp(t.url, key, `{"jsonrpc":"2.0","id":"${wireId()}","result":${result}}`);
      expect(answer.status).toBe(400);
      const body = JSON.parse(answer.text) as { code: string; message: string };
      expect(body.code).toBe("invalid_argument");
      expect(body.message).toContain(says);
      expect(body.message).toMatch(/^answer\["result"\]/);
      expect(answer.text).not.toContain("Jane Roe");
      expect(await stored()).toBe(before);
      const line = await logLine(answer.reqId);
      expect(line?.code).toBe("invalid_argument");
      expect(JSON.stringify(line)).not.toContain("Jane Roe");
    });
  }

  it("stores none of a POST's answers when one of them is refused", async () => {
    const before = await stored();
    const answer = await postMcp(
      t.url,
      key,
      `[{"jsonrpc":"2.0","id":"${wireId()}","result":{"text":"fine"}},{"jsonrpc":"2.0","id":"${wireId()}","result":{"text":"a\\u0000"}}]`,
    );
    expect(answer.status).toBe(400);
    expect(await stored()).toBe(before);
  });

  it("keeps serving after the refusals", async () => {
    const result = await mcp.client.callTool({ name: "echo_echo", arguments: { message: "after" } });
    expect(result.structuredContent).toEqual({ message: "after" });
    const answer = await postMcp(
      t.url,
      key,
      JSON.stringify({ jsonrpc: "2.0", id: wireId(), result: { text: "ok" } }),
    );
    expect(answer.status).toBe(202);
  });
});
