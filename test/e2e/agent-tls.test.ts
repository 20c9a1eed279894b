import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentError, type AgentRequest } from "../../src/agents/index.ts";
import { type ConnectProxy, startConnectProxy } from "../agent/connect-proxy.ts";
import { root } from "../cli/run-patchbay.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The real agent process with TLS on both sides: Patchbay serves https on 127.0.0.1 with a certificate
// from a private CA, internal services answer https on 127.0.0.2 with one from the same CA, and the agent
// trusts that CA through NODE_EXTRA_CA_CERTS. Through HTTPS_PROXY (a real CONNECT proxy on 127.0.0.1 that
// maps "localhost" to 127.0.0.2 in its own table, so no name leaves the machine) it reaches a name on its
// allow-list, and refuses one allowed only through an address range without asking the proxy. An agent
// started with --drain-timeout 1 cuts a request that never ends and exits 0 on SIGTERM.

/** Makes a CA and a certificate it signs for localhost, 127.0.0.1 and 127.0.0.2 (needs openssl). */
function makeCertificates(dir: string) {
  const files = {
    ca: join(dir, "ca.pem"),
    caKey: join(dir, "ca.key"),
    cert: join(dir, "cert.pem"),
    key: join(dir, "key.pem"),
  };
  const openssl = (args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });
  const fresh = ["-newkey", "rsa:2048", "-nodes", "-days", "1"];
  openssl([
    ...["req", "-x509", ...fresh, "-subj", "/CN=Patchbay test CA"],
    ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"],
    ...["-keyout", files.caKey, "-out", files.ca],
  ]);
  openssl([
    ...["req", "-x509", "-CA", files.ca, "-CAkey", files.caKey, ...fresh, "-subj", "/CN=localhost"],
    ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:127.0.0.2"],
    ...["-addext", "basicConstraints=CA:FALSE", "-keyout", files.key, "-out", files.cert],
  ]);
  return files;
}

describe("patchbay agent over TLS", () => {
  let dir = "";
  let certs: ReturnType<typeof makeCertificates>;
  let t: TestServer;
  let proxy: ConnectProxy;
  /** An https service on 127.0.0.2: its host name is on the agent's allow-list. */
  let named: Server;
  /** Another on 127.0.0.2: allowed only through the address range. */
  let ranged: Server;
  let reached: (() => void) | undefined;
  const agents: ChildProcess[] = [];
  const port = (server: Server) => (server.address() as AddressInfo).port;

  const startHttps = async () => {
    const server = createServer(
      { cert: readFileSync(certs.cert), key: readFileSync(certs.key) },
      (req, res) => {
        if (req.url === "/never") {
          reached?.();
          return;
        }
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ path: req.url, host: req.headers.host, secure: true }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.2", resolve));
    return server;
  };
  /** Starts `patchbay agent` for `pool` with a key bound to it; resolves once it is connected. */
  const startAgent = async (pool: string, args: string[], env: Record<string, string> = {}) => {
    const key = (
      await t.server.keys.create({
        tenantId: "default",
        subject: `${pool} agents`,
        name: "agent",
        scopes: ["agent"],
        agentPool: pool,
      })
    ).key;
    const child = spawn(
      process.execPath,
      ["bin/patchbay.js", "agent", "--url", t.url, "--pool", pool, "--id", `${pool}-agent`, ...args],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? "",
          PATCHBAY_AGENT_KEY: key,
          NODE_EXTRA_CA_CERTS: certs.ca,
          ...env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    // Read (and dropped unless a test listens), so that the agent's log never fills the pipe.
    child.stdout?.resume();
    agents.push(child);
    await expect
      .poll(() => t.server.agents.list("default").some((a) => a.pool === pool), { timeout: 30_000 })
      .toBe(true);
    return child;
  };
  const get = (url: string): AgentRequest => ({
    method: "GET",
    url,
    headers: [["accept", "application/json"]],
    body: new Uint8Array(),
    deadlineMs: 60_000,
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
    dir = mkdtempSync(join(tmpdir(), "patchbay-agent-tls-"));
    certs = makeCertificates(dir);
    named = await startHttps();
    ranged = await startHttps();
    proxy = await startConnectProxy({ localhost: "127.0.0.2" });
    // Patchbay's own policy refuses every target: what reaches 127.0.0.2 went through the agent.
    t = await startTestServer("postgresql", {
      PATCHBAY_EGRESS_ALLOW: "",
      PATCHBAY_TLS_CERT: certs.cert,
      PATCHBAY_TLS_KEY: certs.key,
    });
  }, 120_000);
  afterAll(async () => {
    for (const child of agents) child.kill("SIGKILL");
    await t?.stop();
    await proxy?.close();
    for (const server of [named, ranged]) {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
    }
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  it("connects to an https Patchbay and carries an Execute to an https target through HTTPS_PROXY", async () => {
    expect(t.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await startAgent("dc-tls", ["--allow", `localhost:${port(named)}`, "--allow", "127.0.0.0/8"], {
      HTTPS_PROXY: proxy.url,
    });

    // The Execute of the built-in http connector, over TLS from the caller to Patchbay, through the
    // agent's stream (TLS), the proxy's tunnel and TLS to the service.
    const key = await t.createKey(["catalog:write", "execute"], "tls-user");
    const trusting = new Agent({ connect: { ca: readFileSync(certs.ca) } });
    const rest = async (path: string, body: unknown) => {
      const res = await fetch(`${t.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
        dispatcher: trusting,
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    try {
      const created = await rest("/api/v1/connectors", {
        name: "tls-http",
        type: "http",
        executionModel: "built_in",
        agentPool: "dc-tls",
      });
      expect(created.status).toBeLessThan(300);
      const ran = await rest("/api/v1/connectors/tls-http/execute", {
        command: "request",
        params: { url: `https://localhost:${port(named)}/inside?through=proxy`, method: "GET" },
      });
      expect(ran.status).toBe(200);
      expect(JSON.stringify(ran.json)).toContain("/inside?through=proxy");
      expect(JSON.stringify(ran.json)).toMatch(/secure\\*":true/);
    } finally {
      await trusting.close();
    }
    // The proxy tunnelled the name (it resolved it itself); the stream to Patchbay did not go through it.
    expect(proxy.targets).toEqual([`localhost:${port(named)}`]);

    // An address the range allows is checked by the agent and tunnelled as an address.
    const byAddress = await t.server.agents.send(
      "default",
      "dc-tls",
      get(`https://127.0.0.2:${port(ranged)}/by-address`),
    );
    expect(byAddress.status).toBe(200);
    expect(new TextDecoder().decode(byAddress.body)).toContain("/by-address");
    expect(proxy.targets).toEqual([`localhost:${port(named)}`, `127.0.0.2:${port(ranged)}`]);

    // A name allowed only through the range: the proxy would resolve it again, so the agent refuses it
    // and never asks the proxy.
    expect(
      await codeOf(
        t.server.agents.send("default", "dc-tls", get(`https://localhost:${port(ranged)}/by-name`)),
      ),
    ).toBe("AGENT_EGRESS_REFUSED");
    expect(proxy.targets).toHaveLength(2);
  }, 120_000);

  it("with --drain-timeout 1 cuts a request that never ends, and exits 0 on SIGTERM", async () => {
    const child = await startAgent("dc-drain", ["--allow", "127.0.0.2/32", "--drain-timeout", "1"], {
      LOG_FORMAT: "json",
    });
    let stderr = "";
    let stdout = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    const upstreamHasIt = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const forever = t.server.agents.send("default", "dc-drain", {
      ...get(`https://127.0.0.2:${port(named)}/never`),
      deadlineMs: 600_000,
    });
    await upstreamHasIt;
    const exited = once(child, "exit") as Promise<[number | null]>;
    child.kill("SIGTERM");
    expect(await codeOf(forever)).toBe("AGENT_DISCONNECTED");
    const [code] = await exited;
    expect(code).toBe(0);
    // The drain time ran out with the request still held: the agent cut it (and says so) rather than
    // waiting for it, whatever the machine's speed.
    const cut = stdout
      .split("\n")
      .filter((line) => line.includes("drain time over"))
      .map((line) => JSON.parse(line) as { cut: number; drainMs: number });
    expect(cut).toEqual([expect.objectContaining({ cut: 1, drainMs: 1_000 })]);
    expect(stderr).toBe("");
  }, 120_000);
});
