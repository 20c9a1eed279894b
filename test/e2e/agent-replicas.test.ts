import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { createNativeQuery } from "../../src/db/index.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { type RunningServer, startServer } from "../../src/server/start-server.ts";
import { grpc } from "../support/grpc-js-client.ts";
import { LogCapture } from "../support/log-capture.ts";
import { createReplicaCalls, failureCode } from "../support/replica-calls.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

/** Text a relayed request's URL carries, which its stored row must not show. */
const MARKER = "relay-marker-5f1c9e";

// Two replicas on one database: the agent holds its stream to replica A; calls sent to replica B reach it
// through the database (the relay), from every execution path, with cancellation, a killed agent and
// another tenant's attempts all answered as on A. ListAgents on either replica sees the agent where it is.
describe("an agent connected to one replica serves calls sent to another", () => {
  let a: TestServer;
  let b: RunningServer;
  const bLogs = new LogCapture();
  let upstream: Server;
  let upstreamPort = 0;
  const seen: string[] = [];
  let held: IncomingMessage | undefined;
  const heldClosed: string[] = [];
  const calls = createReplicaCalls();

  const listAgents = (url: string, key: string, pool = "") => calls.listAgents(url, key, pool);
  const execute = (url: string, key: string, slug: string, path: string, deadline?: Date) =>
    calls.executeRequest(url, key, slug, `http://127.0.0.2:${upstreamPort}${path}`, deadline);
  const startAgent = (key: string, id: string, pool: string) => calls.spawnAgent(a.url, key, id, pool);
  const agentKey = async (tenantId: string, pool: string) =>
    (
      await a.server.keys.create({
        tenantId,
        subject: `${pool} agents`,
        name: "agent",
        scopes: ["agent"],
        agentPool: pool,
      })
    ).key;
  const createHttpConnector = (key: string, name: string, pool: string) =>
    calls.createHttpConnector(b.url, key, name, pool);

  const query = (text: string) => createNativeQuery(() => b.db.em())(text);

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      seen.push(req.url ?? "");
      if (req.url?.startsWith("/hold") === true) {
        held = req;
        req.socket.on("close", () => heldClosed.push(req.url ?? ""));
        return;
      }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ path: req.url }));
    });
    // The internal service lives on 127.0.0.2, which both replicas' own egress policy refuses.
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.2", resolve));
    upstreamPort = (upstream.address() as AddressInfo).port;
    a = await startTestServer("postgresql", { PATCHBAY_EGRESS_ALLOW: "" });
    b = await startServer(loadConfig(a.env, false), {
      logger: createLogger({ level: "info", format: "json", destination: bLogs.stream }),
      notice: () => undefined,
    });
  }, 120_000);
  afterAll(async () => {
    calls.close();
    held?.socket.destroy();
    await b?.stop();
    await a?.stop();
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it("lists the agent on both replicas and carries B's Execute through A's agent", async () => {
    startAgent(await agentKey("default", "dc-a"), "agent-on-a", "dc-a");
    await expect
      .poll(async () => (await listAgents(b.url, a.adminKey)).map((x) => x.agentId), { timeout: 30_000 })
      .toContain("agent-on-a");
    expect(b.agents.list()).toEqual([]);
    const [listed] = await listAgents(b.url, a.adminKey, "dc-a");
    expect(listed).toMatchObject({ pool: "dc-a", capacity: 64 });
    // The replica holding the stream is A: its id is the one A's startup line names, with A's host.
    expect(
      a.logs
        .lines()
        .some(
          (l) => l.msg === "patchbay listening" && l.replica === listed?.replicaId && l.host === hostname(),
        ),
    ).toBe(true);
    // The host is the operator's: the tenant's admin key is answered the replica's id only.
    expect(listed).not.toHaveProperty("replicaHost");
    const restListed = await fetch(`${b.url}/api/v1/agents?pool=dc-a`, {
      headers: { authorization: `Bearer ${a.adminKey}` },
    });
    const { agents: restAgents } = (await restListed.json()) as { agents: Record<string, unknown>[] };
    expect(restAgents).toMatchObject([{ agentId: "agent-on-a", replicaId: listed?.replicaId }]);
    expect(restAgents[0]).not.toHaveProperty("replicaHost");
    expect(Object.values(restAgents[0] ?? {})).not.toContain(hostname());
    expect(await listAgents(a.url, a.adminKey, "dc-a")).toHaveLength(1);

    await createHttpConnector(a.adminKey, "inside-http", "dc-a");
    const answer = await execute(b.url, a.adminKey, "inside-http", "/through-b");
    expect(JSON.stringify(answer.payload)).toContain("/through-b");
    expect(seen).toContain("/through-b");
  }, 120_000);

  it("cancels at the agent when B's caller gives up, and tells B's caller when the agent is killed", async () => {
    await createHttpConnector(a.adminKey, "inside-hold", "dc-a");
    // The caller's deadline passes while the agent holds the request: the upstream's connection is closed
    // by the agent, told by A, told by B.
    const gaveUp = execute(b.url, a.adminKey, "inside-hold", "/hold", new Date(Date.now() + 3_000));
    const deadline = await gaveUp.then(
      () => undefined,
      (e: grpc.ServiceError) => e.code,
    );
    expect(deadline).toBe(grpc.status.DEADLINE_EXCEEDED);
    await expect.poll(() => heldClosed, { timeout: 30_000 }).toContain("/hold");

    // Killed while it holds a request sent to B: B's caller learns the agent left.
    const key = await agentKey("default", "dc-k");
    const child = startAgent(key, "agent-killed", "dc-k");
    await expect
      .poll(async () => (await listAgents(b.url, a.adminKey, "dc-k")).length, { timeout: 30_000 })
      .toBe(1);
    await createHttpConnector(a.adminKey, "inside-killed", "dc-k");
    held = undefined;
    const holding = execute(b.url, a.adminKey, "inside-killed", `/hold?marker=${MARKER}`).then(
      () => "answered",
      (e: grpc.ServiceError) => failureCode(e),
    );
    await expect.poll(() => held !== undefined, { timeout: 30_000 }).toBe(true);
    // While it waits, the relayed request's row holds nothing readable: URL and headers are sealed.
    const { rows } = await query("select request::text as request, tenant_id, pool from agent_relay");
    expect(rows).toEqual([expect.objectContaining({ tenant_id: "default", pool: "dc-k" })]);
    expect(JSON.stringify(rows)).not.toContain(MARKER);
    expect(JSON.stringify(rows)).not.toContain("127.0.0.2");
    child.kill("SIGKILL");
    expect(await holding).toBe("AGENT_DISCONNECTED");
    await expect
      .poll(async () => (await listAgents(b.url, a.adminKey, "dc-k")).length, { timeout: 30_000 })
      .toBe(0);
  }, 120_000);

  it("ignores a vanished replica's agents, and sweeps them", async () => {
    // A replica that died without a word: its row is as old as a missed refresh makes it.
    await query(
      `insert into agent_streams (stream_id, replica_id, replica_host, tenant_id, pool, agent_id, name,
         version, connectors, capacity, connected_at, last_heard_at, seen_at)
       values (gen_random_uuid(), 'deadbeefdeadbeef', 'gone', 'default', 'dc-gone', 'ghost', 'ghost', '0',
         '{}', 64, now() - interval '2 minutes', now() - interval '2 minutes', now() - interval '45 seconds')`,
    );
    expect(await listAgents(b.url, a.adminKey, "dc-gone")).toEqual([]);
    await createHttpConnector(a.adminKey, "gone-http", "dc-gone");
    const refused = await execute(b.url, a.adminKey, "gone-http", "/gone").then(
      () => "answered",
      (e: grpc.ServiceError) => failureCode(e),
    );
    expect(refused).toBe("AGENT_UNAVAILABLE");
    // Older than two refresh windows: a live replica's next refresh removes it.
    await query("update agent_streams set seen_at = now() - interval '2 minutes' where agent_id = 'ghost'");
    await expect
      .poll(async () => (await query("select 1 from agent_streams where agent_id = 'ghost'")).rows.length, {
        timeout: 30_000,
      })
      .toBe(0);
  }, 120_000);

  it("keeps another tenant away from the pool and its list on either replica", async () => {
    await expect
      .poll(async () => (await listAgents(b.url, a.adminKey, "dc-a")).length, { timeout: 30_000 })
      .toBe(1);
    const attacker = await a.createKey(["admin"], "mallory", "other-tenant");
    expect(await listAgents(a.url, attacker)).toEqual([]);
    expect(await listAgents(b.url, attacker)).toEqual([]);
    // The same pool name in the attacker's tenant is the attacker's own pool, which has no agent.
    await createHttpConnector(attacker, "stolen-http", "dc-a");
    const stolen = await execute(b.url, attacker, "stolen-http", "/stolen").then(
      () => "answered",
      (e: grpc.ServiceError) => e,
    );
    expect(stolen).toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect(failureCode(stolen as grpc.ServiceError)).toBe("AGENT_UNAVAILABLE");
    expect(seen).not.toContain("/stolen");
    // An agent key cannot list agents; a malformed pool is refused naming the field.
    const agentOnly = await agentKey("default", "dc-a");
    await expect(listAgents(b.url, agentOnly)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    await expect(listAgents(b.url, a.adminKey, "Not A Pool")).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining("pool"),
    });
    // Over the REST bridge too.
    const rest = await fetch(`${b.url}/api/v1/agents?pool=dc-a`, {
      headers: { authorization: `Bearer ${attacker}` },
    });
    expect(await rest.json()).toEqual({ agents: [] });
  }, 120_000);
});
