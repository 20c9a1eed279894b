import { setTimeout as sleep } from "node:timers/promises";
import { Code, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_STOPPING } from "../../src/protocol/server-stopping.ts";
import { parseRateLimits, type RateLimitTiers } from "../../src/ratelimit/index.ts";
import {
  call,
  type LimitedServer,
  newKey,
  type Outcome,
  openBackend,
  startLimitedServer,
  type TestBackend,
} from "./limited-server.ts";

const TIERS = parseRateLimits("standard=3/10s,bulk=5/10s,short=1/3s,daily=5/10s+3/1d,wide=unlimited");

function limitHeaders(outcome: Outcome) {
  const value = (name: string) => {
    const v = outcome.header.get(name);
    return v === null ? undefined : Number(v);
  };
  return {
    limit: value("x-ratelimit-limit"),
    remaining: value("x-ratelimit-remaining"),
    reset: value("x-ratelimit-reset"),
    retryAfter: value("retry-after"),
  };
}

function requireTiers(tiers: RateLimitTiers | undefined): RateLimitTiers {
  if (tiers === undefined) throw new Error("expected tiers");
  return tiers;
}

describe("per-key rate limits", () => {
  let b: TestBackend;
  let server: LimitedServer;
  let connect: Transport;
  let grpc: Transport;

  beforeAll(async () => {
    b = await openBackend("postgresql");
    server = await startLimitedServer({ db: b.db, tiers: requireTiers(TIERS), logger: b.logger });
    connect = createConnectTransport({ baseUrl: server.url, httpVersion: "2" });
    grpc = createGrpcTransport({ baseUrl: server.url });
  });
  afterAll(async () => {
    await server?.close();
    await b?.close();
  });

  it("states the limit and counts X-RateLimit-Remaining down with each call", async () => {
    const key = newKey();
    const before = Math.floor(Date.now() / 1000);
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push(limitHeaders(await call(connect, key)));
    const after = Math.ceil(Date.now() / 1000);
    expect(seen.map((h) => h.limit)).toEqual([3, 3, 3]);
    expect(seen.map((h) => h.remaining)).toEqual([2, 1, 0]);
    for (const h of seen) {
      // Epoch seconds at which the 10 s window that began with the first call starts over.
      expect(h.reset).toBeGreaterThanOrEqual(before + 9);
      expect(h.reset).toBeLessThanOrEqual(after + 10);
      expect(h.retryAfter).toBeUndefined();
    }
  });

  it("puts each call's headers on its own answer when calls fail with one shared error (a server stop)", async () => {
    const stopping = { "x-test-stopping": "1" };
    const [first, second] = [newKey(), newKey()];
    // The first key has used one call of three, the second none: their answers' counts differ.
    await call(connect, first);
    const answers = await Promise.all([
      call(connect, first, undefined, "listConnectors", stopping),
      call(grpc, second, undefined, "listConnectors", stopping),
    ]);
    expect(answers.map((a) => [a.code, a.message])).toEqual([
      [SERVER_STOPPING.code, SERVER_STOPPING.rawMessage],
      [SERVER_STOPPING.code, SERVER_STOPPING.rawMessage],
    ]);
    expect(answers.map((a) => limitHeaders(a).remaining)).toEqual([1, 2]);
    // Nothing of either call stayed on the shared error for the next one to carry.
    expect([...SERVER_STOPPING.metadata.keys()]).toEqual([]);
  });

  it.each([
    ["Connect", () => connect],
    ["gRPC", () => grpc],
  ])(
    "refuses the call over the limit with RESOURCE_EXHAUSTED and retry-after over %s",
    async (_, transport) => {
      const key = newKey();
      for (let i = 0; i < 3; i++) expect((await call(transport(), key)).code).toBeUndefined();
      const refused = await call(transport(), key);
      expect(refused.code).toBe(Code.ResourceExhausted);
      expect(refused.message).toMatch(/^rate limit exceeded: retry after \d+ s$/);
      const h = limitHeaders(refused);
      expect(h.limit).toBe(3);
      expect(h.remaining).toBe(0);
      expect(h.retryAfter).toBeGreaterThanOrEqual(1);
      expect(h.retryAfter).toBeLessThanOrEqual(10);
      expect(refused.message).toBe(`rate limit exceeded: retry after ${h.retryAfter} s`);
      expect(h.reset).toBeGreaterThan(Date.now() / 1000);
      // Refused from memory on this replica for the rest of the window, still with the headers.
      const again = await call(transport(), key);
      expect(again.code).toBe(Code.ResourceExhausted);
      expect(limitHeaders(again).remaining).toBe(0);
    },
  );

  it("lets the key call again once its window has passed", async () => {
    const key = newKey();
    expect((await call(connect, key, "short")).code).toBeUndefined();
    const refused = await call(connect, key, "short");
    expect(refused.code).toBe(Code.ResourceExhausted);
    // Within the 3 s window, however slow the machine was between the two calls.
    expect(limitHeaders(refused).retryAfter).toBeGreaterThanOrEqual(1);
    expect(limitHeaders(refused).retryAfter).toBeLessThanOrEqual(3);
    const resetAt = (limitHeaders(refused).reset ?? 0) * 1000;
    await sleep(Math.max(0, resetAt - Date.now()) + 50);
    const fresh = await call(connect, key, "short");
    expect(fresh.code).toBeUndefined();
    expect(limitHeaders(fresh).remaining).toBe(0);
  });

  it("puts the headers on a call that fails for another reason, since it counted", async () => {
    const failed = await call(connect, newKey(), undefined, "getConnector");
    expect(failed.code).toBe(Code.NotFound);
    expect(limitHeaders(failed)).toMatchObject({ limit: 3, remaining: 2 });
  });

  it("keeps one counter per key", async () => {
    const [a, other] = [newKey(), newKey()];
    for (let i = 0; i < 4; i++) await call(connect, a);
    expect((await call(connect, a)).code).toBe(Code.ResourceExhausted);
    const fresh = await call(connect, other);
    expect(fresh.code).toBeUndefined();
    expect(limitHeaders(fresh).remaining).toBe(2);
  });

  it("applies the tier of the key, with a counter per tier", async () => {
    const key = newKey();
    for (let i = 0; i < 3; i++) await call(connect, key, "standard");
    expect((await call(connect, key, "standard")).code).toBe(Code.ResourceExhausted);
    // The same key id in another tier does not share the standard counter.
    const bulk = await call(connect, key, "bulk");
    expect(bulk.code).toBeUndefined();
    expect(limitHeaders(bulk)).toMatchObject({ limit: 5, remaining: 4 });
  });

  it("reports the window closest to exhaustion when a tier has several", async () => {
    const key = newKey();
    const first = limitHeaders(await call(connect, key, "daily"));
    // 5 per 10 s leaves 4, 3 per day leaves 2: the daily window binds.
    expect(first).toMatchObject({ limit: 3, remaining: 2 });
    expect(first.reset).toBeGreaterThan(Date.now() / 1000 + 86_000);
    await call(connect, key, "daily");
    await call(connect, key, "daily");
    const refused = await call(connect, key, "daily");
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(limitHeaders(refused).retryAfter).toBeGreaterThan(86_000);
  });

  it("does not limit a key of an unlimited tier", async () => {
    const key = newKey();
    for (let i = 0; i < 6; i++) {
      const outcome = await call(connect, key, "wide");
      expect(outcome.code).toBeUndefined();
      expect(outcome.header.has("x-ratelimit-limit")).toBe(false);
    }
  });

  it("limits a key whose tier is not configured as standard, and warns once", async () => {
    const key = newKey();
    for (let i = 0; i < 3; i++) expect(limitHeaders(await call(connect, key, "gold")).limit).toBe(3);
    expect((await call(connect, key, "gold")).code).toBe(Code.ResourceExhausted);
    const warnings = b.logs.lines().filter((l) => l.tier === "gold");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.level).toBe("warn");
  });

  it("does not limit calls without a principal (public procedures)", async () => {
    for (let i = 0; i < 6; i++) {
      const outcome = await call(connect, undefined);
      expect(outcome.code).toBeUndefined();
      expect(outcome.header.has("x-ratelimit-remaining")).toBe(false);
    }
  });

  it("limits nothing with PATCHBAY_RATE_LIMITS=off", async () => {
    const off = await startLimitedServer({ db: b.db, tiers: parseRateLimits("off"), logger: b.logger });
    try {
      const transport = createConnectTransport({ baseUrl: off.url, httpVersion: "2" });
      const key = newKey();
      for (let i = 0; i < 6; i++) {
        const outcome = await call(transport, key);
        expect(outcome.code).toBeUndefined();
        expect(outcome.header.has("x-ratelimit-limit")).toBe(false);
      }
    } finally {
      await off.close();
    }
  });

  it("lets calls through when the store fails, warning once, counting them, and limits again when it is back", async () => {
    const sql = (text: string) => b.db.em().getConnection().execute(text);
    const key = newKey();
    const warned = () => b.logs.lines().filter((l) => String(l.msg).startsWith("rate limit store failed"));
    const recovered = () =>
      b.logs.lines().filter((l) => String(l.msg).startsWith("rate limit store answers again"));
    const before = server.failOpen();
    const warnedBefore = warned().length;
    expect(before.failing).toBe(false);
    await sql("alter table rate_limits rename to rate_limits_away");
    try {
      for (let i = 0; i < 5; i++) {
        const outcome = await call(connect, key);
        expect(outcome.code).toBeUndefined();
        expect(outcome.header.has("x-ratelimit-limit")).toBe(false);
      }
      expect(warned()).toHaveLength(warnedBefore + 1);
      expect(warned().at(-1)).toMatchObject({ level: "warn", code: "RATE_LIMIT_STORE_DOWN" });
      expect(server.failOpen()).toEqual({
        failing: true,
        incidents: before.incidents + 1,
        calls: before.calls + 5,
      });
    } finally {
      await sql("alter table rate_limits_away rename to rate_limits");
    }
    expect(limitHeaders(await call(connect, key))).toMatchObject({ limit: 3, remaining: 2 });
    expect(recovered().at(-1)).toMatchObject({ level: "info", unlimitedCalls: 5 });
    expect(server.failOpen()).toMatchObject({ failing: false, incidents: before.incidents + 1 });
  });

  it("lets calls through when the store is slower than its timeout", async () => {
    const slow = await startLimitedServer({
      db: b.db,
      tiers: requireTiers(TIERS),
      logger: b.logger,
      storeTimeoutMs: 150,
    });
    const { promise: held, resolve: release } = Promise.withResolvers<void>();
    const { promise: locked, resolve: onLocked } = Promise.withResolvers<void>();
    const holder = b.db.em().transactional(async (em) => {
      await em
        .getConnection()
        .execute("lock table rate_limits in access exclusive mode", [], "all", em.getTransactionContext());
      onLocked();
      await held;
    });
    try {
      await locked;
      const transport = createConnectTransport({ baseUrl: slow.url, httpVersion: "2" });
      // Answered while the lock is still held (it is released only below): the call did not wait on it.
      const outcome = await call(transport, newKey());
      expect(outcome.code).toBeUndefined();
      expect(outcome.header.has("x-ratelimit-limit")).toBe(false);
    } finally {
      release();
      await holder;
      await slow.close();
    }
  });

  it("shares one counter between replicas on one database", async () => {
    const replicaDb = await b.openReplica();
    const replica = await startLimitedServer({
      db: replicaDb,
      tiers: requireTiers(TIERS),
      logger: b.logger,
    });
    try {
      const other = createConnectTransport({ baseUrl: replica.url, httpVersion: "2" });
      const key = newKey();
      expect(limitHeaders(await call(connect, key)).remaining).toBe(2);
      expect(limitHeaders(await call(other, key)).remaining).toBe(1);
      expect(limitHeaders(await call(connect, key)).remaining).toBe(0);
      const refused = await call(other, key);
      expect(refused.code).toBe(Code.ResourceExhausted);
      expect(limitHeaders(refused).remaining).toBe(0);
    } finally {
      await replica.close();
    }
  });
});
