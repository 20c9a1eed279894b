// Issue 16, section 4: one key must not take a replica down. One standard key floods ListConnectors
// (hundreds of concurrent calls over native gRPC) while every statement it reaches is held on a lock, as a
// slow query would be; its neighbours, /healthz and /readyz must keep answering, and when the flood's
// callers leave, their statements must end in PostgreSQL. Outcomes only, no timing assertions: the
// figures (neighbours' p99 with and without a flood) are in bench/README.md (bench/overload).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, grpc, loadPatchbayProtos } from "../support/grpc-js-client.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

type Ctor = new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client;

const FLOOD = 300;
const IN_FLIGHT_LIMIT = 4;
// Bounds, not timings: without the protections a neighbour's call waits behind the flood until this
// passes, and the test fails instead of hanging.
const NEIGHBOUR_DEADLINE_MS = 20_000;

interface Flooded {
  readonly done: Promise<grpc.status>;
  cancel(): void;
  settled: grpc.status | undefined;
}

/** One unary call whose outcome is its gRPC status (OK included) and that can be cancelled. */
function start(client: grpc.Client, method: string, key: string, deadlineMs: number): Flooded {
  const fn = (client as unknown as Record<string, (...args: unknown[]) => grpc.ClientUnaryCall>)[method];
  if (fn === undefined) throw new Error(`no method ${method}`);
  let call: grpc.ClientUnaryCall | undefined;
  const flooded: Flooded = {
    settled: undefined,
    cancel: () => call?.cancel(),
    done: new Promise<grpc.status>((resolve) => {
      call = fn.call(
        client,
        {},
        bearer(key),
        { deadline: Date.now() + deadlineMs },
        (error: grpc.ServiceError | null) => {
          flooded.settled = error === null ? grpc.status.OK : error.code;
          resolve(flooded.settled);
        },
      );
    }),
  };
  return flooded;
}

describe("a flooding key on PostgreSQL", () => {
  let t: TestServer;
  let catalog: grpc.Client;
  let connections: grpc.Client;
  let holder: pg.Client;

  /** Statements of the server's pool waiting on a lock right now. */
  const waitingOnLocks = async (): Promise<number> => {
    const { rows } = await (t.database?.admin(
      `select count(*)::int as n from pg_stat_activity where datname = '${t.database.name}' and application_name = 'patchbay' and state = 'active' and wait_event_type = 'Lock'`,
    ) ?? Promise.reject(new Error("no database")));
    return (rows[0] as { n: number }).n;
  };

  beforeAll(async () => {
    t = await startTestServer("postgresql", {
      PATCHBAY_CONCURRENCY_LIMITS: `standard=${IN_FLIGHT_LIMIT}`,
      // The flood must meet the in-flight limit and shedding, not the rate limit.
      PATCHBAY_RATE_LIMITS: "standard=1000000/60s",
      LOG_LEVEL: "info",
    });
    const v1 = (loadPatchbayProtos().patchbay as grpc.GrpcObject).v1 as grpc.GrpcObject;
    const address = `127.0.0.1:${t.port}`;
    catalog = new (v1.CatalogService as unknown as Ctor)(address, grpc.credentials.createInsecure());
    connections = new (v1.ConnectionService as unknown as Ctor)(address, grpc.credentials.createInsecure());
    holder = new pg.Client({ connectionString: t.database?.url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.query("rollback").catch(() => undefined);
    await holder?.end();
    catalog?.close();
    connections?.close();
    await t?.stop();
  });

  it("refuses the flood beyond its in-flight limit, keeps neighbours, /healthz and /readyz answering, and cancels the flood's statements when its callers leave", {
    timeout: 240_000,
  }, async () => {
    const flooder = await t.createKey(["catalog:read"], "flooder");
    const neighbour = await t.createKey(["connections"], "neighbour");
    // Every read of the catalog now waits, holding its pooled connection, until the lock goes.
    await holder.query("begin");
    await holder.query("lock table connectors in access exclusive mode");

    const flood = Array.from({ length: FLOOD }, () => start(catalog, "listConnectors", flooder, 120_000));
    // Refusals answer at once; the admitted calls (at most the limit) wait on the lock.
    await expect
      .poll(() => flood.filter((f) => f.settled !== undefined).length, { timeout: 60_000 })
      .toBeGreaterThanOrEqual(FLOOD - IN_FLIGHT_LIMIT);
    const refused = flood.filter((f) => f.settled !== undefined);
    expect(new Set(refused.map((f) => f.settled))).toEqual(new Set([grpc.status.RESOURCE_EXHAUSTED]));
    const admitted = flood.filter((f) => f.settled === undefined);
    expect(admitted).toHaveLength(IN_FLIGHT_LIMIT);
    await expect.poll(waitingOnLocks, { timeout: 30_000 }).toBe(admitted.length);

    // Over REST the flooder's next call is a 429 that says when to retry.
    const refusedRest = await fetch(`${t.url}/api/v1/connectors`, {
      headers: { authorization: `Bearer ${flooder}` },
      signal: AbortSignal.timeout(NEIGHBOUR_DEADLINE_MS),
    });
    expect(refusedRest.status).toBe(429);
    expect(refusedRest.headers.get("retry-after")).toBe("1");
    expect(refusedRest.headers.get("x-patchbay-error")).toBe(
      `too many calls in flight for this API key (at most ${IN_FLIGHT_LIMIT} at once): retry when one has finished`,
    );

    // The neighbour, over REST and native gRPC, and the health endpoints: every call succeeds.
    const rest = { authorization: `Bearer ${neighbour}` };
    for (let i = 0; i < 10; i++) {
      const listed = await fetch(`${t.url}/api/v1/connections`, {
        headers: rest,
        signal: AbortSignal.timeout(NEIGHBOUR_DEADLINE_MS),
      });
      expect(listed.status).toBe(200);
      expect(await start(connections, "listConnections", neighbour, NEIGHBOUR_DEADLINE_MS).done).toBe(
        grpc.status.OK,
      );
      const healthz = await fetch(`${t.url}/healthz`, { signal: AbortSignal.timeout(NEIGHBOUR_DEADLINE_MS) });
      expect(healthz.status).toBe(200);
      const readyz = await fetch(`${t.url}/readyz`, { signal: AbortSignal.timeout(NEIGHBOUR_DEADLINE_MS) });
      expect({ status: readyz.status, body: await readyz.json() }).toEqual({
        status: 200,
        body: { status: "ready" },
      });
    }
    // The flood is still held: what the neighbour got, it got beside it.
    expect(await waitingOnLocks()).toBe(admitted.length);

    // The flood's callers leave: their statements end in PostgreSQL although the lock is still held.
    for (const f of admitted) f.cancel();
    expect(new Set(await Promise.all(admitted.map((f) => f.done)))).toEqual(new Set([grpc.status.CANCELLED]));
    await expect.poll(waitingOnLocks, { timeout: 30_000 }).toBe(0);
    await holder.query("rollback");

    // Nothing leaked: the flooder's slots are free again.
    const again = await Promise.all(
      Array.from({ length: IN_FLIGHT_LIMIT }, () => start(catalog, "listConnectors", flooder, 60_000).done),
    );
    expect(again).toEqual(Array(IN_FLIGHT_LIMIT).fill(grpc.status.OK));
    // Readiness never flipped: no "database unreachable" line.
    expect(t.logs.lines().filter((l) => l.msg === "database unreachable")).toEqual([]);
  });
});
