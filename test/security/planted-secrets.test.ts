import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { ConnectionService } from "../../gen/patchbay/v1/connection_pb.ts";
import { ExecuteService } from "../../gen/patchbay/v1/execute_pb.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// A connection's secret is planted in every path a command can echo it through — a script's error
// message and thrown exception, its log lines and their fields, diagnostics under names no key list
// knows, recorded params and payloads, an external connector's answers — in plain, URL-encoded and
// base64 forms. None of those forms may appear in any response, log line or database row.

const SECRET = "sk_live/Zq+9&k=Planted-7788";
const INSTANCE_SECRET = "inst-secret-Qw3rty-0099";
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const FORMS = [
  SECRET,
  encodeURIComponent(SECRET),
  b64(SECRET),
  Buffer.from(SECRET).toString("base64url"),
  b64(`user:${SECRET}`),
  INSTANCE_SECRET,
];

// Plain JavaScript base64 (the sandbox has no btoa), used by the script to plant encoded forms.
const SCRIPT = `
var A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
function b64(s) {
  var out = "", i = 0;
  for (; i + 2 < s.length; i += 3) {
    var n = (s.charCodeAt(i) << 16) | (s.charCodeAt(i + 1) << 8) | s.charCodeAt(i + 2);
    out += A[(n >> 18) & 63] + A[(n >> 12) & 63] + A[(n >> 6) & 63] + A[n & 63];
  }
  if (s.length - i === 1) { var m = s.charCodeAt(i) << 16; out += A[(m >> 18) & 63] + A[(m >> 12) & 63] + "=="; }
  if (s.length - i === 2) { var k = (s.charCodeAt(i) << 16) | (s.charCodeAt(i + 1) << 8); out += A[(k >> 18) & 63] + A[(k >> 12) & 63] + A[(k >> 6) & 63] + "="; }
  return out;
}
function thrower() { throw new Error("upstream refused key " + patchbay.config.apiKey); }
function failer() {
  var key = patchbay.config.apiKey;
  return {
    success: false,
    error: "bad key " + key + " / " + encodeURIComponent(key) + " for jane.doe@example.com",
    diagnostics: {
      authHeader: "Bearer " + key,
      contact: "jane.doe@example.com",
      note: "sent k=" + encodeURIComponent(key),
      basic: "Basic " + b64("user:" + key),
      plain: b64(key),
    },
  };
}
function echo() {
  var key = patchbay.config.apiKey;
  patchbay.log.info("using key " + key, { detail: key, nested: { inner: "k=" + encodeURIComponent(key) } });
  patchbay.log.warn("basic " + b64("user:" + key));
  return { success: true, payload: { echo: key, encoded: encodeURIComponent(key), b64: b64(key), note: patchbay.params.note } };
}
`;
const COMMANDS = {
  thrower: { params: [], description: "throws", outputs: [] },
  failer: { params: [], description: "fails", outputs: [] },
  echo: { params: ["note"], description: "echoes", outputs: [] },
};
const SCHEMA = {
  connectionConfig: { apiKey: { type: "string", required: true, secret: true } },
  commands: COMMANDS,
};

/** An external connector (HTTP protocol 2.0) that echoes the key it is given in every answer. */
async function startLeakyExternal(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      // As the Placeholder API: posts whose text quotes the bearer key the request carried.
      if (req.url?.startsWith("/posts")) {
        const auth = String(req.headers.authorization);
        return res.end(
          JSON.stringify([{ id: 1, userId: 1, title: auth, body: `k=${encodeURIComponent(auth.slice(7))}` }]),
        );
      }
      if (req.url === "/health") return res.end('{"status":"ok"}');
      if (req.url === "/schema")
        return res.end(
          JSON.stringify({
            name: "leaky-ext",
            version: "1.0.0",
            authType: "api_key",
            connectionConfig: SCHEMA.connectionConfig,
            commands: COMMANDS,
          }),
        );
      const call = JSON.parse(body) as { command: string; config: { apiKey: string } };
      const key = call.config.apiKey;
      if (call.command === "echo")
        return res.end(JSON.stringify({ success: true, payload: { echo: key, b64: b64(key) } }));
      return res.end(
        JSON.stringify({
          success: false,
          error: `denied ${key}`,
          diagnostics: { authHeader: `Bearer ${key}`, basic: `Basic ${b64(`user:${key}`)}` },
        }),
      );
    });
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((closed) => server.close(() => closed())),
  };
}

describe("planted secrets never leave a command", () => {
  let t: TestServer;
  let external: Awaited<ReturnType<typeof startLeakyExternal>>;
  let key = "";
  let other = "";
  const answers: string[] = [];
  const transport = () => createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" });
  const as = (k: string) => ({ headers: { authorization: `Bearer ${k}` } });
  const connectionOf: Record<string, string> = {};

  /** Runs a command and keeps everything the caller got back: payload, or error message and details. */
  async function run(slug: string, command: string, params: Record<string, string> = {}): Promise<void> {
    try {
      const res = await createClient(ExecuteService, transport()).execute(
        { target: { case: "connectionId", value: connectionOf[slug] ?? "" }, command, params },
        as(key),
      );
      answers.push(JSON.stringify(res.payload), JSON.stringify(res.variables));
    } catch (error) {
      expect(error).toBeInstanceOf(ConnectError);
      const e = error as ConnectError;
      answers.push(e.rawMessage, JSON.stringify(e.details));
    }
  }

  beforeAll(async () => {
    external = await startLeakyExternal();
    t = await startTestServer("postgresql");
    key = await t.createKey(["catalog:read", "catalog:write", "connections", "execute"], "owner");
    other = await t.createKey(["admin"], "operator");
    const catalog = createClient(CatalogService, transport());
    await catalog.createConnector(
      {
        name: "leaky",
        executionModel: "script",
        configSchema: SCHEMA,
        scriptSource: SCRIPT,
        recordPayloads: true,
      },
      as(key),
    );
    await catalog.createConnector(
      { name: "leaky-ext", executionModel: "external", endpointUrl: external.url, recordPayloads: true },
      as(key),
    );
    // A built-in instance whose instance config holds a secret of its own.
    await catalog.createConnector(
      {
        name: "leaky-instance",
        type: "placeholder-api",
        executionModel: "built_in",
        config: { baseUrl: external.url, apiKey: INSTANCE_SECRET },
        recordPayloads: true,
      },
      as(key),
    );
    const connections = createClient(ConnectionService, transport());
    // Its connections submit nothing of their own: the instance config's key is what the command uses.
    const instance = await connections.startConnection({ connectorSlug: "leaky-instance" }, as(key));
    connectionOf["leaky-instance"] = instance.connection?.id ?? "";
    await connections.submitCredentials({ id: connectionOf["leaky-instance"], credentials: {} }, as(key));
    for (const slug of ["leaky", "leaky-ext"]) {
      const started = await connections.startConnection({ connectorSlug: slug }, as(key));
      connectionOf[slug] = started.connection?.id ?? "";
      await connections.submitCredentials(
        { id: connectionOf[slug], credentials: { apiKey: SECRET } },
        as(key),
      );
    }
  });
  afterAll(async () => {
    await t?.stop();
    await external?.close();
  });

  it("scrubs script errors, exceptions, diagnostics, log lines and recorded payloads", async () => {
    await run("leaky", "thrower");
    await run("leaky", "failer");
    await run("leaky", "echo", { note: `the key is ${SECRET}` });
    await run("leaky-ext", "failer");
    await run("leaky-ext", "echo");
    await run("leaky-instance", "listPosts");
    expect(answers.length).toBeGreaterThanOrEqual(12);
    // The instance's posts came back, with the key they quoted replaced.
    expect(answers.join("\n")).toContain('"title":"Bearer [redacted]"');
    // The answers still say what happened, with the secret replaced.
    expect(answers.join("\n")).toContain("[redacted]");
    expect(answers.join("\n")).toContain("bad key");
  });

  it("keeps the secret out of execution records read over REST, by the owner and by an admin", async () => {
    for (const reader of [key, other]) {
      const listed = await fetch(`${t.url}/api/v1/executions?pageSize=50`, {
        headers: { authorization: `Bearer ${reader}` },
      });
      expect(listed.status).toBe(200);
      const text = await listed.text();
      answers.push(text);
      const ids = (JSON.parse(text) as { executions: { id: string }[] }).executions.map((e) => e.id);
      expect(ids.length).toBeGreaterThanOrEqual(5);
      for (const id of ids) {
        const one = await fetch(`${t.url}/api/v1/executions/${id}`, {
          headers: { authorization: `Bearer ${reader}` },
        });
        answers.push(await one.text());
      }
    }
    // Structured log fields are kept, scrubbed, not dropped.
    const line = t.logs.lines().find((l) => l.msg === "using key [redacted]");
    expect(line).toMatchObject({ fields: { detail: "[redacted]", nested: { inner: "k=[redacted]" } } });
  });

  it("finds no form of the secret in any answer, log line or database row", async () => {
    const client = new pg.Client({ connectionString: t.database?.url });
    await client.connect();
    const rows: string[] = [];
    const records: string[] = [];
    try {
      const tables = await client.query<{ name: string }>(
        "select table_name as name from information_schema.tables where table_schema = 'public'",
      );
      for (const { name } of tables.rows) {
        const dump = await client.query<{ row: string }>(`select t::text as row from "${name}" t`);
        rows.push(...dump.rows.map((r) => r.row));
        if (!name.startsWith("connector")) records.push(...dump.rows.map((r) => r.row));
      }
    } finally {
      await client.end();
    }
    const places = { answers: answers.join("\n"), logs: t.logs.text(), database: rows.join("\n") };
    expect(places.database).toContain("[redacted]");
    for (const [place, text] of Object.entries(places)) {
      for (const form of FORMS) expect(text.includes(form), `${place} holds ${form}`).toBe(false);
      // The script's own source quotes the address; what the commands produced must not.
      const produced = place === "database" ? records.join("\n") : text;
      expect(produced.includes("jane.doe@example.com"), `${place} holds an email address`).toBe(false);
    }
  });
});
