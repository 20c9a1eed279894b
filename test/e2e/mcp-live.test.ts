import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  type CreateMessageRequest,
  CreateMessageRequestSchema,
  type CreateMessageResult,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { type RunningServer, startServer } from "../../src/server/start-server.ts";
import { LogCapture } from "../support/log-capture.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// MCP's live parts on a stateless server with two replicas on one database: the notification stream
// (`notifications/tools/list_changed` when a change on any replica can change the caller's tool list),
// and sampling for generate_connector_script, whose client answer may reach either replica.

const GOOD_SCRIPT = `function test() { return { success: true, payload: { ok: true } }; }
function hello() { return { success: true, payload: { greeting: "hello " + patchbay.params.name } }; }`;
const GOOD_SCHEMA = {
  connectionConfig: {},
  commands: {
    test: { description: "Always passes.", outputs: ["ok"] },
    hello: {
      description: "Greets.",
      params: ["name"],
      paramSchema: { name: { type: "string", required: true } },
      outputs: ["greeting"],
    },
  },
};
const answerWith = (script: string, schema: unknown = GOOD_SCHEMA): CreateMessageResult => ({
  role: "assistant",
  model: "test-model",
  content: {
    type: "text",
    text: `\`\`\`javascript\n${script}\n\`\`\`\n\`\`\`json\n${JSON.stringify(schema)}\n\`\`\``,
  },
});

/** The JSON-RPC messages of an SSE body, as they arrive. */
async function* events(body: ReadableStream<Uint8Array>): AsyncGenerator<Record<string, unknown>> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    for (let end = buffered.indexOf("\n\n"); end >= 0; end = buffered.indexOf("\n\n")) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = event
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trim())
        .join("\n");
      if (data !== "") yield JSON.parse(data) as Record<string, unknown>;
    }
  }
}

describe("MCP notifications and sampling across two replicas", () => {
  let a: TestServer;
  let b: RunningServer;

  const headers = (key: string, accept = "application/json, text/event-stream") => ({
    authorization: `Bearer ${key}`,
    "content-type": "application/json",
    accept,
    "mcp-protocol-version": "2025-11-25",
  });
  const startConnection = async (base: string, key: string, label: string) => {
    const res = await fetch(`${base}/api/v1/connections`, {
      method: "POST",
      headers: headers(key, "application/json"),
      body: JSON.stringify({ connectorSlug: "placeholder-api", label }),
    });
    expect(res.ok).toBe(true);
  };

  beforeAll(async () => {
    a = await startTestServer("postgresql");
    b = await startServer(loadConfig(a.env, false), {
      logger: createLogger({ level: "warn", format: "json", destination: new LogCapture().stream }),
      notice: () => undefined,
    });
  }, 120_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it("tells an open stream on one replica about a connection created on the other", async () => {
    const key = await a.createKey(["mcp", "execute", "connections"], "agent-live");
    const stream = await fetch(`${a.url}/mcp`, { headers: headers(key, "text/event-stream") });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    // The answer's head is written once the stream is watched: from here on, nothing is missed.
    await startConnection(b.url, key, "Shop");
    const body = stream.body;
    if (body === null) throw new Error("no stream body");
    const reader = events(body);
    const first = await reader.next();
    expect(first.value).toMatchObject({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
    await body.cancel().catch(() => undefined);
  });

  it("lets the SDK client hear list_changed and refuses streams past the per-key limit", async () => {
    const key = await a.createKey(["mcp", "execute", "connections"], "agent-sdk");
    let told = 0;
    const client = new Client({ name: "mcp-live", version: "1.0.0" });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      told += 1;
    });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${a.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    try {
      // The client opens its stream on its own after initializing; until it is open a change is not
      // heard, so changes are made until one is.
      let n = 0;
      await expect
        .poll(
          async () => {
            if (told === 0) await startConnection(b.url, key, `Shop ${n++}`);
            return told;
          },
          { timeout: 30_000, interval: 200 },
        )
        .toBeGreaterThan(0);
      const { tools } = await client.listTools();
      expect(tools.some((tool) => tool.name.startsWith("Shop"))).toBe(false); // pending connections offer none
    } finally {
      await client.close();
    }

    // Four streams per key at once; a fifth is refused.
    const opened: Response[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${a.url}/mcp`, { headers: headers(key, "text/event-stream") });
      expect(res.status).toBe(200);
      opened.push(res);
    }
    const fifth = await fetch(`${a.url}/mcp`, { headers: headers(key, "text/event-stream") });
    expect(fifth.status).toBe(429);
    expect(((await fifth.json()) as { code: string }).code).toBe("resource_exhausted");
    for (const res of opened) await res.body?.cancel().catch(() => undefined);
  });

  it("ends a stream whose key is revoked", async () => {
    const key = await a.createKey(["mcp"], "agent-revoked");
    const stream = await fetch(`${a.url}/mcp`, { headers: headers(key, "text/event-stream") });
    expect(stream.status).toBe(200);
    await a.revokeKey(key);
    const body = stream.body;
    if (body === null) throw new Error("no stream body");
    // The stream ends (within the key check's period); reading it to its end proves it.
    for await (const _event of events(body)) {
      // keep-alive comments carry no data; nothing else is expected
    }
  }, 60_000);

  it("has the client's model write the script, checked in the sandbox, with answers reaching either replica", async () => {
    const key = await a.createKey(["mcp", "catalog:write", "catalog:read", "execute"], "agent-writer");
    const asked: CreateMessageRequest["params"][] = [];
    const client = new Client({ name: "mcp-sampling", version: "1.0.0" }, { capabilities: { sampling: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      asked.push(request.params);
      // The first answer does not compile: Patchbay says why and asks again.
      return asked.length === 1 ? answerWith("function hello( {") : answerWith(GOOD_SCRIPT);
    });
    // Each request goes to the next replica, as a round-robin load balancer would send it.
    let turn = 0;
    const bases = [a.url, b.url];
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${a.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
        fetch: (input, init) =>
          fetch(`${bases[turn++ % 2] ?? a.url}${new URL(input.toString()).pathname}`, init),
      }),
    );
    try {
      const generated = await client.callTool({
        name: "generate_connector_script",
        arguments: {
          description: "A greeter",
          commands: ["hello"],
          name: "greeter",
          endpoints: ["GET /hello: greets"],
        },
      });
      expect(generated.isError).toBeFalsy();
      const out = generated.structuredContent as Record<string, unknown>;
      expect(out).toMatchObject({ generatedBy: "sampling", model: "test-model", samplingAttempts: 2 });
      expect(out.scriptSource).toBe(`${GOOD_SCRIPT}\n`);
      // The model saw the script API reference, the skeleton and the endpoints, then why its first
      // answer failed.
      expect(asked[0]?.systemPrompt).toContain("patchbay.http.get");
      const brief = JSON.stringify(asked[0]?.messages);
      expect(brief).toContain("GET /hello: greets");
      expect(brief).toContain("function hello()");
      expect(JSON.stringify(asked[1]?.messages.at(-1))).toContain("SyntaxError");

      // What the model wrote is a connector Patchbay stores and runs.
      const created = await client.callTool({
        name: "create_connector",
        arguments: out.createRequest as Record<string, unknown>,
      });
      expect(created.isError).toBeFalsy();
      const ran = await client.callTool({
        name: "execute_connector_command",
        arguments: { connectorSlug: "greeter", command: "hello", params: { name: "ada" } },
      });
      expect(ran.isError).toBeFalsy();
      expect((ran.structuredContent as { payload: unknown }).payload).toEqual({ greeting: "hello ada" });
    } finally {
      await client.close();
    }
  });

  it("answers the skeleton when the client has no sampling, or when it is turned off", async () => {
    const key = await a.createKey(["mcp", "catalog:write"], "agent-plain");
    const client = new Client({ name: "mcp-no-sampling", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${b.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    try {
      const plain = await client.callTool({
        name: "generate_connector_script",
        arguments: { description: "Contacts API", commands: ["listContacts"] },
      });
      expect(plain.structuredContent).toMatchObject({
        generatedBy: "skeleton",
        samplingNote: "sampling unavailable: the client does not support sampling",
        samplingAttempts: 0,
      });
      const off = await client.callTool({
        name: "generate_connector_script",
        arguments: { description: "Contacts API", commands: ["listContacts"], useSampling: false },
      });
      const structured = off.structuredContent as Record<string, unknown>;
      expect(structured.generatedBy).toBe("skeleton");
      expect(structured.samplingNote).toBeUndefined();
      expect(structured.scriptSource).toContain("function listContacts()");
    } finally {
      await client.close();
    }
  });

  it("never hands a sampling answer from another key to the call that waits (attacker side)", async () => {
    const key = await a.createKey(["mcp", "catalog:write"], "agent-victim");
    const attacker = await a.createKey(["mcp", "catalog:write"], "agent-victim", "other-tenant");
    const sameTenant = await a.createKey(["mcp", "catalog:write"], "someone-else");
    const call = await fetch(`${a.url}/mcp`, {
      method: "POST",
      headers: headers(key),
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: {
          name: "generate_connector_script",
          arguments: { description: "A greeter", commands: ["hello"] },
        },
      }),
    });
    expect(call.status).toBe(200);
    expect(call.headers.get("content-type")).toContain("text/event-stream");
    if (call.body === null) throw new Error("no stream body");
    const stream = events(call.body);
    const request = (await stream.next()).value as { id: string; method: string };
    expect(request.method).toBe("sampling/createMessage");
    expect(request.id).toMatch(/^pb-/);

    const reply = (from: string, base: string, script: string) =>
      fetch(`${base}/mcp`, {
        method: "POST",
        headers: headers(from),
        body: JSON.stringify({ jsonrpc: "2.0", id: request.id, result: answerWith(script) }),
      });
    const forged =
      "function test() { return { success: true }; }\nfunction hello() { return { success: true, payload: { forged: true } }; }";
    // Other keys' answers are accepted as messages (202) but go nowhere, on either replica.
    for (const [from, base] of [
      [attacker, a.url],
      [attacker, b.url],
      [sameTenant, a.url],
      [sameTenant, b.url],
    ] as const) {
      expect((await reply(from, base, forged)).status).toBe(202);
    }
    // The caller's own answer, through the other replica, is the one used.
    expect((await reply(key, b.url, GOOD_SCRIPT)).status).toBe(202);
    const result = (await stream.next()).value as {
      id: number;
      result: { structuredContent: Record<string, unknown> };
    };
    expect(result.id).toBe(7);
    expect(result.result.structuredContent.generatedBy).toBe("sampling");
    expect(result.result.structuredContent.scriptSource).toBe(`${GOOD_SCRIPT}\n`);
  });
});

describe("MCP notifications and sampling on the embedded default", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer("embedded");
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("tells an open stream about a new connection, and samples a script", async () => {
    const key = await t.createKey(["mcp", "connections", "catalog:write"], "agent-embedded");
    const stream = await fetch(`${t.url}/mcp`, {
      headers: {
        authorization: `Bearer ${key}`,
        accept: "text/event-stream",
        "mcp-protocol-version": "2025-11-25",
      },
    });
    expect(stream.status).toBe(200);
    const created = await fetch(`${t.url}/api/v1/connections`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ connectorSlug: "placeholder-api", label: "Shop" }),
    });
    expect(created.ok).toBe(true);
    if (stream.body === null) throw new Error("no stream body");
    const reader = events(stream.body);
    expect((await reader.next()).value).toMatchObject({ method: "notifications/tools/list_changed" });
    await reader.return(undefined);

    const client = new Client({ name: "mcp-embedded", version: "1.0.0" }, { capabilities: { sampling: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async () => answerWith(GOOD_SCRIPT));
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    try {
      const generated = await client.callTool({
        name: "generate_connector_script",
        arguments: { description: "A greeter", commands: ["hello"] },
      });
      expect(generated.structuredContent).toMatchObject({ generatedBy: "sampling", samplingAttempts: 1 });
    } finally {
      await client.close();
    }
  });
});

describe("MCP notification streams when a replica stops", () => {
  it("end as soon as the stop begins, so clients reconnect elsewhere", async () => {
    const t = await startTestServer("postgresql", { PATCHBAY_SHUTDOWN_TIMEOUT_MS: "20000" });
    const key = await t.createKey(["mcp"], "agent-stop");
    const stream = await fetch(`${t.url}/mcp`, {
      headers: {
        authorization: `Bearer ${key}`,
        accept: "text/event-stream",
        "mcp-protocol-version": "2025-11-25",
      },
    });
    expect(stream.status).toBe(200);
    const stopping = t.stop();
    // The stream ends (its body completes) as the stop begins; had it been held, the drain would have
    // waited out the whole grace period for it and cut it, and said so.
    await stream.text();
    await stopping;
    const said = t.logs.lines().map((line) => String(line.msg));
    expect(said).toContain("stopped");
    expect(said.some((msg) => msg.includes("grace period over"))).toBe(false);
    expect(t.logs.lines().some((line) => line.procedure === "/mcp/stream")).toBe(true);
  }, 60_000);
});
