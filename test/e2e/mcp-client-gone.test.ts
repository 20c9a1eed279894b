import http2 from "node:http2";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDEMPOTENCY_KEY_META, TIMEOUT_MS_META } from "../../src/mcp/call-options.ts";
import { type HeldUpstream, startHeldUpstream } from "../support/held-upstream.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// An MCP tool call ends when its client goes away before the answer is complete, as an RPC does: an
// HTTP/1.1 client that aborts its POST, an HTTP/2 client that resets its stream, the SDK client closing
// its transport, a client that leaves the SSE answer of a call that asks its model. The command's
// upstream request is ended, the execution record says the caller cancelled it, the key's one in-flight
// place is free again, and the request's log line says `canceled`.

/** Far longer than any test: only the client going away can end these calls. */
const NEVER_MS = 600_000;
/** How run-command records a command its caller cancelled (docs/errors.md, CANCELED). */
const CALLER_CANCELED = {
  protocol: "mcp",
  status: "failed",
  error_code: "CANCELED",
  message: "the caller canceled the call",
};

interface Recorded {
  protocol: string;
  status: string;
  error_code: string | null;
  message: string | null;
  idempotency_key: string | null;
}

describe("an MCP tool call whose client goes away", () => {
  let t: TestServer;
  let upstream: HeldUpstream;
  let db: pg.Client;

  beforeAll(async () => {
    upstream = await startHeldUpstream();
    // One call in flight per key: a call left running would hold its key's only place.
    t = await startTestServer("postgresql", { PATCHBAY_CONCURRENCY_LIMITS: "standard=1" });
    db = new pg.Client({ connectionString: t.database?.url });
    await db.connect();
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await t?.stop();
    await upstream?.close();
  });

  const headers = (key: string, reqId: string) => ({
    authorization: `Bearer ${key}`,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": "2025-11-25",
    "x-request-id": reqId,
  });
  const toolCall = (name: string, args: Record<string, unknown>, meta: Record<string, unknown> = {}) =>
    JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name, arguments: args, _meta: meta },
    });
  /** The `http` connector's request to the held upstream, tagged, with a time budget nothing reaches. */
  const heldRequest = (tag: string) => ({ url: `${upstream.url}?tag=${tag}`, timeoutMs: NEVER_MS });
  const post = (key: string, reqId: string, body: string, signal?: AbortSignal) =>
    fetch(`${t.url}/mcp`, {
      method: "POST",
      headers: headers(key, reqId),
      body,
      ...(signal ? { signal } : {}),
    });

  /** The one execution record of a subject's calls, once there is one that has ended. */
  async function recordOf(subject: string): Promise<Recorded | undefined> {
    const { rows } = await db.query<Recorded>(
      "select protocol, status, error_code, message, idempotency_key from executions where subject = $1 and status <> 'running'",
      [subject],
    );
    return rows.length === 1 ? rows[0] : undefined;
  }

  /** The code of the request's log line, once it is written. */
  const loggedCode = (reqId: string) =>
    t.logs.lines().find((l) => l.reqId === reqId && l.procedure === "/mcp/tools/call")?.code;

  /** Whether the key's next MCP request is let in (its one in-flight place is free). */
  const admitted = async (key: string) => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list", params: {} });
    return (await post(key, `admitted-${Date.now()}`, body)).status;
  };

  /** What every case checks once its client has gone: the command ended, and as its caller's cancel. */
  async function expectCancelled(tag: string, subject: string, key: string, idempotencyKey: string | null) {
    await expect.poll(() => upstream.aborted.has(tag), { timeout: 60_000 }).toBe(true);
    await expect
      .poll(() => recordOf(subject), { timeout: 60_000 })
      .toEqual({ ...CALLER_CANCELED, idempotency_key: idempotencyKey });
    await expect.poll(() => admitted(key), { timeout: 60_000 }).toBe(200);
  }

  it.each([
    ["without an idempotency key", "h1", {}, null],
    ["with an idempotency key", "h1-keyed", { [IDEMPOTENCY_KEY_META]: "gone-1" }, "gone-1"],
  ] as const)(
    "ends a connector tool call (%s) whose HTTP/1.1 client aborts its POST",
    async (_, tag, meta, keyed) => {
      const subject = `gone-${tag}`;
      const key = await t.createKey(["execute", "mcp"], subject);
      const reqId = `gone-call-${tag}`;
      const client = new AbortController();
      const body = toolCall("http_request", heldRequest(tag), { [TIMEOUT_MS_META]: NEVER_MS, ...meta });
      const call = post(key, reqId, body, client.signal).then(
        () => "answered",
        () => "aborted",
      );
      await expect.poll(() => upstream.arrived.has(tag), { timeout: 60_000 }).toBe(true);

      client.abort();
      expect(await call).toBe("aborted");
      await expectCancelled(tag, subject, key, keyed);
      await expect.poll(() => loggedCode(reqId), { timeout: 60_000 }).toBe("canceled");
    },
  );

  it("ends a connector tool call whose HTTP/2 client resets its stream", async () => {
    const tag = "h2";
    const subject = "gone-h2";
    const key = await t.createKey(["execute", "mcp"], subject);
    const session = http2.connect(t.url);
    session.on("error", () => undefined);
    try {
      const stream = session.request({ ":method": "POST", ":path": "/mcp", ...headers(key, "gone-call-h2") });
      stream.on("error", () => undefined);
      const closed = new Promise((resolve) => stream.once("close", resolve));
      stream.end(toolCall("http_request", heldRequest(tag), { [TIMEOUT_MS_META]: NEVER_MS }));
      await expect.poll(() => upstream.arrived.has(tag), { timeout: 60_000 }).toBe(true);

      stream.close(http2.constants.NGHTTP2_CANCEL);
      await closed;
      await expectCancelled(tag, subject, key, null);
      await expect.poll(() => loggedCode("gone-call-h2"), { timeout: 60_000 }).toBe("canceled");
    } finally {
      session.close();
    }
  });

  it("ends a building tool's command when the SDK client closes its transport", async () => {
    const tag = "building";
    const subject = "gone-building";
    const key = await t.createKey(["execute", "mcp"], subject);
    const client = new Client({ name: "mcp-client-gone", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    const call = client
      .callTool({
        name: "execute_connector_command",
        arguments: {
          connectorSlug: "http",
          command: "request",
          params: heldRequest(tag),
          timeoutMs: NEVER_MS,
        },
      })
      .then(
        () => "answered",
        () => "closed",
      );
    await expect.poll(() => upstream.arrived.has(tag), { timeout: 60_000 }).toBe(true);

    await client.close();
    expect(await call).toBe("closed");
    await expectCancelled(tag, subject, key, null);
  });

  it("ends a generate_connector_script call whose client leaves its stream while the model is asked", async () => {
    const key = await t.createKey(["mcp", "catalog:write"], "gone-sampling");
    const reqId = "gone-call-sampling";
    const client = new AbortController();
    const answer = await post(
      key,
      reqId,
      toolCall("generate_connector_script", { description: "A greeter", commands: ["hello"] }),
      client.signal,
    );
    expect(answer.headers.get("content-type")).toContain("text/event-stream");
    const reader = answer.body?.getReader();
    if (reader === undefined) throw new Error("no stream body");
    // The server's sampling request has arrived: the call now waits for the client's model.
    let received = "";
    while (!received.includes("sampling/createMessage")) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`the stream ended before the sampling request: ${received}`);
      received += new TextDecoder().decode(value);
    }

    client.abort();
    await expect.poll(() => loggedCode(reqId), { timeout: 60_000 }).toBe("canceled");
    await expect.poll(() => admitted(key), { timeout: 60_000 }).toBe(200);
  });
});
