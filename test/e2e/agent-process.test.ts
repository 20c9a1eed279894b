import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentError, type AgentRequest } from "../../src/agents/index.ts";
import { root } from "../cli/run-patchbay.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The real agent process (`patchbay agent`) against the real server: it connects with its pool-bound
// key, carries the hub's requests to an internal service on 127.0.0.2 under its own egress policy,
// refuses a target outside it, and a second agent takes over when the first is killed mid-request.

describe("patchbay agent against a real Patchbay", () => {
  let t: TestServer;
  let upstream: Server;
  let upstreamPort = 0;
  let release: (() => void) | undefined;
  let held: (() => void) | undefined;
  const agents: ChildProcess[] = [];

  const startAgent = (key: string, id: string): ChildProcess => {
    const child = spawn(
      process.execPath,
      ["bin/patchbay.js", "agent", "--url", t.url, "--pool", "dc-1", "--allow", "127.0.0.2/32", "--id", id],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", PATCHBAY_AGENT_KEY: key },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    agents.push(child);
    return child;
  };
  /** A key of scope "agent" bound to `pool`. */
  const agentKey = async (pool: string) =>
    (
      await t.server.keys.create({
        tenantId: "default",
        subject: `${pool} agents`,
        name: "agent",
        scopes: ["agent"],
        agentPool: pool,
      })
    ).key;
  const connected = (id: string) =>
    expect
      .poll(() => t.server.agents.list("default").some((a) => a.agentId === id), { timeout: 30_000 })
      .toBe(true);
  const get = (path: string, host = "127.0.0.2"): AgentRequest => ({
    method: "GET",
    url: `http://${host}:${upstreamPort}${path}`,
    headers: [["accept", "application/json"]],
    body: new Uint8Array(),
    deadlineMs: 30_000,
    idempotent: true,
    connector: "http",
  });
  const codeOf = async (call: Promise<unknown>) => {
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AgentError);
    return (error as AgentError).code;
  };

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      if (req.url === "/hold") {
        held?.();
        release = () => res.end("late");
        return;
      }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ path: req.url, big: "x".repeat(200_000) }));
    });
    // Only loopback: the internal service lives on 127.0.0.2, which the server's own policy refuses.
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.2", resolve));
    upstreamPort = (upstream.address() as AddressInfo).port;
    // A thousand 200 kB answers queue behind one stream's flow control on a loaded machine: Node's server
    // would drop a keep-alive connection (and the unsent rest of its answer) after its default 5 s idle.
    upstream.keepAliveTimeout = 120_000;
    t = await startTestServer("postgresql", { PATCHBAY_EGRESS_ALLOW: "" });
  }, 120_000);
  afterAll(async () => {
    for (const child of agents) child.kill("SIGKILL");
    release?.();
    await t?.stop();
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it("carries requests to the internal service, refuses targets outside its policy, and fails over", async () => {
    const key = await agentKey("dc-1");
    const first = startAgent(key, "agent-one");
    await connected("agent-one");

    const answer = await t.server.agents.send("default", "dc-1", get("/items?page=1"));
    expect(answer.status).toBe(200);
    const body = JSON.parse(new TextDecoder().decode(answer.body)) as { path: string; big: string };
    expect(body.path).toBe("/items?page=1");
    // Larger than one chunk: it came back in pieces and whole.
    expect(body.big.length).toBe(200_000);

    // 127.0.0.1 is not in the agent's allow-list: the agent refuses it, nothing is sent.
    expect(await codeOf(t.server.agents.send("default", "dc-1", get("/items", "127.0.0.1")))).toBe(
      "AGENT_EGRESS_REFUSED",
    );

    // The agent is killed while it holds a request: the caller learns it left.
    const reached = new Promise<void>((resolve) => {
      held = resolve;
    });
    const holding = t.server.agents.send("default", "dc-1", get("/hold"));
    await reached;
    first.kill("SIGKILL");
    expect(await codeOf(holding)).toBe("AGENT_DISCONNECTED");
    await expect
      .poll(() => t.server.agents.list("default").some((a) => a.agentId === "agent-one"), { timeout: 30_000 })
      .toBe(false);

    // A second agent of the pool takes the next request.
    startAgent(key, "agent-two");
    await connected("agent-two");
    expect((await t.server.agents.send("default", "dc-1", get("/after"))).status).toBe(200);
  }, 120_000);

  it("stops draining on SIGTERM: the stream ends and the process exits 0", async () => {
    const key = await agentKey("dc-1");
    const child = startAgent(key, "agent-stopping");
    await connected("agent-stopping");
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
    await expect
      .poll(() => t.server.agents.list("default").some((a) => a.agentId === "agent-stopping"), {
        timeout: 30_000,
      })
      .toBe(false);
  }, 60_000);

  it("runs the http, a script and an OpenAPI connector through the pool's agent, and fails clearly without one", async () => {
    await connected("agent-two");
    const key = await t.createKey(["catalog:write", "catalog:read", "execute"], "agent-user");
    const rest = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${t.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const created = await rest("POST", "/api/v1/connectors", {
      name: "internal-http",
      type: "http",
      executionModel: "built_in",
      agentPool: "dc-1",
    });
    expect(created.status).toBeLessThan(300);
    const url = `http://127.0.0.2:${upstreamPort}/inside`;
    const ran = await rest("POST", "/api/v1/connectors/internal-http/execute", {
      command: "request",
      params: { url, method: "GET" },
    });
    expect(ran.status).toBe(200);
    expect(JSON.stringify(ran.json)).toContain("/inside");
    // The shared http connector goes out directly, where the server's policy refuses 127.0.0.2.
    const direct = await rest("POST", "/api/v1/connectors/http/execute", {
      command: "request",
      params: { url, method: "GET" },
    });
    expect(direct.status).not.toBe(200);

    const script = await rest("POST", "/api/v1/connectors", {
      name: "internal-script",
      executionModel: "script",
      agentPool: "dc-1",
      scriptSource: `function fetchInside() { var r = patchbay.http.get(patchbay.params.url); return { success: true, payload: { status: r.status, path: r.body.path } }; }`,
      configSchema: {
        commands: {
          fetchInside: {
            params: ["url"],
            paramSchema: { url: { type: "string", required: true } },
            outputs: ["status", "path"],
          },
        },
      },
    });
    expect(script.status).toBeLessThan(300);
    const scripted = await rest("POST", "/api/v1/connectors/internal-script/execute", {
      command: "fetchInside",
      params: { url },
    });
    expect(scripted.status).toBe(200);
    expect(scripted.json).toMatchObject({ payload: { status: 200, path: "/inside" } });

    const document = JSON.stringify({
      openapi: "3.0.3",
      info: { title: "Inside", version: "1.0.0" },
      servers: [{ url: `http://127.0.0.2:${upstreamPort}` }],
      paths: {
        "/inside": { get: { operationId: "getInside", responses: { "200": { description: "ok" } } } },
      },
    });
    const openapi = await rest("POST", "/api/v1/connectors", {
      name: "internal-openapi",
      executionModel: "openapi",
      openapiDocument: document,
      agentPool: "dc-1",
    });
    expect(openapi.status).toBeLessThan(300);
    const operated = await rest("POST", "/api/v1/connectors/internal-openapi/execute", {
      command: "getInside",
    });
    expect(operated.status).toBe(200);
    expect(JSON.stringify(operated.json)).toContain("/inside");

    // A pool name agent keys could not be bound to is refused, naming the field.
    const badPool = await rest("POST", "/api/v1/connectors", {
      name: "bad-pool",
      type: "http",
      executionModel: "built_in",
      agentPool: "Not A Pool",
    });
    expect(badPool.status).toBe(400);
    expect(String(badPool.json.message)).toContain("agent_pool");

    // A pool with no agent: the command fails with the agent's code, as unavailable.
    const orphan = await rest("POST", "/api/v1/connectors", {
      name: "orphan-http",
      type: "http",
      executionModel: "built_in",
      agentPool: "dc-nobody",
    });
    expect(orphan.status).toBeLessThan(300);
    const refused = await rest("POST", "/api/v1/connectors/orphan-http/execute", {
      command: "request",
      params: { url },
    });
    expect(refused.status).toBe(503);
    expect(JSON.stringify(refused.json)).toContain("AGENT_UNAVAILABLE");
  }, 120_000);

  it("multiplexes 1,000 concurrent requests over one agent's stream", async () => {
    const key = await agentKey("dc-wide");
    const child = spawn(
      process.execPath,
      [
        "bin/patchbay.js",
        "agent",
        "--url",
        t.url,
        "--pool",
        "dc-wide",
        "--allow",
        "127.0.0.2/32",
        "--capacity",
        "1000",
      ],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", PATCHBAY_AGENT_KEY: key, LOG_LEVEL: "warn" },
        stdio: "ignore",
      },
    );
    agents.push(child);
    await expect
      .poll(() => t.server.agents.list("default").some((a) => a.pool === "dc-wide"), { timeout: 30_000 })
      .toBe(true);
    const answers = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        t.server.agents.send("default", "dc-wide", { ...get(`/n/${i}`), deadlineMs: 120_000 }),
      ),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const paths = new Set(
      answers.map((a) => (JSON.parse(new TextDecoder().decode(a.body)) as { path: string }).path),
    );
    expect(paths.size).toBe(1_000);
    expect(t.server.agents.list("default").filter((a) => a.pool === "dc-wide")).toHaveLength(1);
  }, 180_000);
});
