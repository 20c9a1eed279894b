import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { createNativeQuery } from "../../src/db/index.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { type RunningServer, startServer } from "../../src/server/start-server.ts";
import { grpc } from "../support/grpc-js-client.ts";
import { LogCapture } from "../support/log-capture.ts";
import { createReplicaCalls, failureCode } from "../support/replica-calls.ts";
import { type SpawnedServer, spawnServer } from "../support/spawn-server.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

/** A deadline far beyond what any answer here takes: a call that fails before it did not wait for it. */
const LONG_DEADLINE_MS = 60_000;

/** How an Execute call ended: its gRPC code, the error code in its details, and its message. */
interface Outcome {
  readonly code: grpc.status | "answered";
  readonly errorCode?: string | undefined;
  readonly message?: string;
  readonly payload?: unknown;
}

function outcomeOf(error: grpc.ServiceError): Outcome {
  return { code: error.code, errorCode: failureCode(error), message: error.details };
}

// Three replicas on one database: "doomed" (a child process) holds agents' streams and is killed with
// SIGKILL, so its rows stay in the database, fresh for a while; "caller" relays to it; "live" holds an
// agent of one of the same pools. A relayed call must not wait for its (long) deadline: it fails at once
// with the agent error codes, or goes to the live holder.
describe("a replica holding agents is killed", () => {
  let live: TestServer;
  let caller: RunningServer;
  let doomed: SpawnedServer;
  let doomedId = "";
  let upstream: Server;
  let upstreamPort = 0;
  const seen: string[] = [];
  const held = new Map<string, IncomingMessage>();
  const calls = createReplicaCalls();

  const query = (text: string, values?: unknown[]) => createNativeQuery(() => caller.db.em())(text, values);
  const listAgents = (url: string, pool: string) => calls.listAgents(url, live.adminKey, pool);
  /** Execute of the `request` command on `slug` through `url`, with a deadline `LONG_DEADLINE_MS` away. */
  const execute = (url: string, slug: string, path: string): Promise<Outcome> =>
    calls
      .executeRequest(
        url,
        live.adminKey,
        slug,
        `http://127.0.0.2:${upstreamPort}${path}`,
        new Date(Date.now() + LONG_DEADLINE_MS),
      )
      .then(
        (response): Outcome => ({ code: "answered", payload: response.payload }),
        (error: grpc.ServiceError) => outcomeOf(error),
      );
  const startAgent = async (url: string, id: string, pool: string) => {
    const { key } = await live.server.keys.create({
      tenantId: "default",
      subject: `${pool} agents`,
      name: "agent",
      scopes: ["agent"],
      agentPool: pool,
    });
    calls.spawnAgent(url, key, id, pool);
  };
  const createHttpConnector = (name: string, pool: string) =>
    calls.createHttpConnector(caller.url, live.adminKey, name, pool);
  /** The killed replica's rows as they would be seconds after its death: refreshed lately. */
  const keepDoomedRowsFresh = async () => {
    const { rowCount } = await query("update agent_streams set seen_at = now() where replica_id = $1", [
      doomedId,
    ]);
    expect(rowCount).toBe(2);
  };

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      seen.push(req.url ?? "");
      if (req.url?.startsWith("/hold") === true) {
        held.set(req.url, req);
        return;
      }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ path: req.url }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.2", resolve));
    upstreamPort = (upstream.address() as AddressInfo).port;
    live = await startTestServer("postgresql", { PATCHBAY_EGRESS_ALLOW: "" });
    caller = await startServer(loadConfig(live.env, false), {
      logger: createLogger({ level: "info", format: "json", destination: new LogCapture().stream }),
      notice: () => undefined,
    });
    doomed = await spawnServer({ ...live.env, LOG_LEVEL: "info" });
    // Pool dc-only: held by the doomed replica alone. Pool dc-both: by the doomed replica and the live one.
    await startAgent(doomed.url, "only-on-doomed", "dc-only");
    await startAgent(doomed.url, "both-on-doomed", "dc-both");
    await startAgent(live.url, "both-on-live", "dc-both");
    await vi.waitFor(
      async () =>
        expect((await listAgents(caller.url, "")).map((a) => a.agentId).sort()).toEqual([
          "both-on-doomed",
          "both-on-live",
          "only-on-doomed",
        ]),
      { timeout: 60_000, interval: 200 },
    );
    const { rows } = await query(
      "select distinct replica_id from agent_streams where agent_id = 'only-on-doomed'",
    );
    doomedId = (rows as { replica_id: string }[])[0]?.replica_id ?? "";
    expect(doomed.output()).toContain(doomedId);
    await createHttpConnector("only-http", "dc-only");
    await createHttpConnector("both-http", "dc-both");
  }, 180_000);
  afterAll(async () => {
    calls.close();
    for (const req of held.values()) req.socket.destroy();
    await doomed?.kill("SIGKILL");
    await caller?.stop();
    await live?.stop();
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it("fails a relayed call the killed replica's agent was making, without waiting for its deadline", async () => {
    const holding = execute(caller.url, "only-http", "/hold-relayed");
    await expect.poll(() => held.has("/hold-relayed"), { timeout: 30_000 }).toBe(true);
    await doomed.kill("SIGKILL");
    const outcome = await holding;
    // Operator-safe: the message names neither the replica nor its host or address.
    expect(outcome).toEqual({
      code: grpc.status.UNAVAILABLE,
      errorCode: "AGENT_DISCONNECTED",
      message: "the replica holding the agent went away before it answered",
    });
  }, 120_000);

  it("refuses at once a pool whose only agent the killed replica held, while its rows are still fresh", async () => {
    await keepDoomedRowsFresh();
    const outcome = await execute(caller.url, "only-http", "/after-kill");
    expect(outcome).toEqual({
      code: grpc.status.UNAVAILABLE,
      errorCode: "AGENT_UNAVAILABLE",
      message: "no agent of pool 'dc-only' is connected with room for this request",
    });
    expect(seen).not.toContain("/after-kill");
    // Nor are its agents listed any more.
    await keepDoomedRowsFresh();
    expect(await listAgents(caller.url, "dc-only")).toEqual([]);
  }, 120_000);

  it("sends a call for a pool the killed replica shared to the live replica's agent", async () => {
    // The live replica's agent is busier than the killed one's last word, which would put the killed
    // replica first if it still counted.
    const busy = execute(live.url, "both-http", "/hold-live");
    await expect.poll(() => held.has("/hold-live"), { timeout: 30_000 }).toBe(true);
    await expect
      .poll(
        async () => (await query("select in_flight from agent_streams where agent_id = 'both-on-live'")).rows,
        { timeout: 30_000 },
      )
      .toEqual([{ in_flight: 1 }]);
    await keepDoomedRowsFresh();
    const outcome = await execute(caller.url, "both-http", "/through-live");
    expect(outcome.code).toBe("answered");
    expect(JSON.stringify(outcome.payload)).toContain("/through-live");
    expect(seen).toContain("/through-live");
    held.get("/hold-live")?.socket.destroy();
    await busy;
  }, 120_000);

  it("ends a relayed call once the replica it waits on misses its refreshes, though its session lingers", async () => {
    // A replica whose host froze: PostgreSQL still sees its listening connection (TCP has not given up on
    // it yet), it stopped refreshing its rows and it never takes the request.
    const frozenId = "f0f0f0f0f0f0f0f0";
    const session = new pg.Client({
      connectionString: live.database?.url,
      application_name: `patchbay-listen ${frozenId}`,
    });
    await session.connect();
    try {
      await query(
        `insert into agent_streams (stream_id, replica_id, replica_host, tenant_id, pool, agent_id, name,
           version, connectors, capacity, connected_at, last_heard_at)
         values (gen_random_uuid(), $1, 'frozen', 'default', 'dc-frozen', 'frozen', 'frozen', '0', '{}', 64,
           now(), now())`,
        [frozenId],
      );
      await createHttpConnector("frozen-http", "dc-frozen");
      const waiting = execute(caller.url, "frozen-http", "/frozen");
      await expect
        .poll(
          async () =>
            (await query("select 1 from agent_relay where replica_id = $1", [frozenId])).rows.length,
          { timeout: 30_000 },
        )
        .toBe(1);
      await query("update agent_streams set seen_at = now() - interval '31 seconds' where replica_id = $1", [
        frozenId,
      ]);
      expect(await waiting).toEqual({
        code: grpc.status.UNAVAILABLE,
        errorCode: "AGENT_UNAVAILABLE",
        message: "no agent of pool 'dc-frozen' is connected with room for this request",
      });
      expect((await query("select 1 from agent_relay where replica_id = $1", [frozenId])).rows).toEqual([]);
    } finally {
      await session.end();
    }
  }, 120_000);
});
