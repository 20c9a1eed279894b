import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  type Interceptor,
} from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { principalKey } from "../../src/auth/principal.ts";
import { createLogger } from "../../src/logging/logger.ts";
import {
  createOverloadInterceptor,
  type LoadMonitor,
  type OverloadInterceptor,
  type Pressure,
  SHED_FLOOR,
} from "../../src/overload/index.ts";
import { parseConcurrencyLimits } from "../../src/ratelimit/index.ts";
import { LogCapture } from "../support/log-capture.ts";

/**
 * Test stand-in for the auth interceptor: `x-test-key` is the key id (`tenant/key` names its tenant,
 * else `default`), `x-test-tier` its tier.
 */
const fakeAuth: Interceptor = (next) => async (req) => {
  const keyId = req.header.get("x-test-key");
  if (keyId !== null) {
    req.contextValues.set(principalKey, {
      keyId,
      tenantId: keyId.includes("/") ? (keyId.split("/")[0] ?? "default") : "default",
      subject: "tester",
      scopes: ["admin"],
      rateTier: req.header.get("x-test-tier") ?? "standard",
    });
  }
  return next(req);
};

/** A load monitor whose pressure the test sets. */
function heldMonitor(): LoadMonitor & { set(pressure: Pressure | undefined): void } {
  let now: Pressure | undefined;
  return {
    set: (pressure) => {
      now = pressure;
    },
    pressure: () => now,
    sample: () => ({ loopDelayMs: now === "event_loop" ? 500 : 0, dbWaiting: now === "database" ? 50 : 0 }),
    stop: () => undefined,
  };
}

interface Outcome {
  readonly code: Code | undefined;
  readonly message: string;
  readonly retryAfter: string | null;
}

/**
 * CatalogService behind [fake auth, overload]: `ListConnectors` waits until `release()` (and passes
 * straight through after it), `GetConnector` fails at once with NOT_FOUND.
 */
function setup(spec: string, monitor?: LoadMonitor) {
  const logs = new LogCapture();
  const logger = createLogger({ level: "debug", format: "json", destination: logs.stream });
  const interceptor: OverloadInterceptor = createOverloadInterceptor({
    limits: parseConcurrencyLimits(spec),
    monitor,
    logger,
  });
  const gate = Promise.withResolvers<void>();
  let entered = 0;
  const transport = createRouterTransport(
    (router) => {
      router.service(CatalogService, {
        listConnectors: async () => {
          entered++;
          await gate.promise;
          return {};
        },
        getConnector: () => {
          throw new ConnectError("connector not found", Code.NotFound);
        },
      });
    },
    { router: { interceptors: [fakeAuth, interceptor] } },
  );
  const client = createClient(CatalogService, transport);
  const call = async (
    key: string | undefined,
    tier?: string,
    method: "list" | "get" = "list",
  ): Promise<Outcome> => {
    const headers: Record<string, string> = {};
    if (key !== undefined) headers["x-test-key"] = key;
    if (tier !== undefined) headers["x-test-tier"] = tier;
    try {
      if (method === "list") await client.listConnectors({}, { headers });
      else await client.getConnector({ slug: "x" }, { headers });
      return { code: undefined, message: "", retryAfter: null };
    } catch (error) {
      const e = ConnectError.from(error);
      return { code: e.code, message: e.rawMessage, retryAfter: e.metadata.get("retry-after") };
    }
  };
  /** Starts `n` calls of `key` that stay in flight until `release()`, once they are all counted. */
  const hold = async (key: string, n: number, tier?: string): Promise<Promise<Outcome>[]> => {
    const before = interceptor.stats().inFlight;
    const calls = Array.from({ length: n }, () => call(key, tier));
    await expect.poll(() => interceptor.stats().inFlight).toBe(before + n);
    return calls;
  };
  const release = () => gate.resolve();
  return { interceptor, call, hold, release, logs, entered: () => entered };
}

describe("calls in flight per API key", () => {
  let release: (() => void) | undefined;
  afterEach(() => release?.());

  it("refuses one call over the tier's limit with RESOURCE_EXHAUSTED and retry-after, and admits again once one finishes", async () => {
    const s = setup("standard=2");
    release = s.release;
    const held = await s.hold("a", 2);
    const refused = await s.call("a");
    expect(refused).toEqual({
      code: Code.ResourceExhausted,
      message: "too many calls in flight for this API key (at most 2 at once): retry when one has finished",
      retryAfter: "1",
    });
    s.release();
    expect((await Promise.all(held)).map((o) => o.code)).toEqual([undefined, undefined]);
    await expect.poll(() => s.interceptor.stats().inFlight).toBe(0);
    // Admitted again: the handler answers (NOT_FOUND) instead of the limit.
    expect((await s.call("a", undefined, "get")).code).toBe(Code.NotFound);
    expect(s.interceptor.stats()).toMatchObject({ refusedOverLimit: 1, refusedShed: 0, inFlight: 0 });
  });

  it("counts each key on its own", async () => {
    const s = setup("standard=1");
    release = s.release;
    const held = await s.hold("a", 1);
    expect((await s.call("a")).code).toBe(Code.ResourceExhausted);
    const other = await s.hold("b", 1);
    s.release();
    expect((await Promise.all([...held, ...other])).every((o) => o.code === undefined)).toBe(true);
  });

  it("applies the key's tier, standard for a tier it does not list, and nothing for an unlimited tier", async () => {
    const s = setup("standard=1,bulk=3,wide=unlimited");
    release = s.release;
    const bulk = await s.hold("b", 3, "bulk");
    expect((await s.call("b", "bulk")).code).toBe(Code.ResourceExhausted);
    const gold = await s.hold("g", 1, "gold");
    expect((await s.call("g", "gold")).message).toContain("at most 1 at once");
    const wide = await s.hold("w", 20, "wide");
    s.release();
    await Promise.all([...bulk, ...gold, ...wide]);
  });

  it("gives the slot back when a call fails", async () => {
    const s = setup("standard=1");
    release = s.release;
    expect((await s.call("a", undefined, "get")).code).toBe(Code.NotFound);
    expect((await s.call("a", undefined, "get")).code).toBe(Code.NotFound);
    expect(s.interceptor.stats().inFlight).toBe(0);
  });

  it("never limits calls without a principal (health, reflection)", async () => {
    const s = setup("standard=1");
    release = s.release;
    const anonymous = Array.from({ length: 5 }, () => s.call(undefined));
    await expect.poll(s.entered).toBe(5);
    expect(s.interceptor.stats().inFlight).toBe(0);
    s.release();
    expect((await Promise.all(anonymous)).every((o) => o.code === undefined)).toBe(true);
  });

  it("limits nothing with PATCHBAY_CONCURRENCY_LIMITS=off", async () => {
    const s = setup("off");
    release = s.release;
    const held = await s.hold("a", 50);
    s.release();
    expect((await Promise.all(held)).every((o) => o.code === undefined)).toBe(true);
  });
});

describe("load shedding", () => {
  let release: (() => void) | undefined;
  afterEach(() => release?.());

  it("under pressure refuses the heaviest key first and keeps serving light keys", async () => {
    const monitor = heldMonitor();
    const s = setup("standard=100", monitor);
    release = s.release;
    const heavy = await s.hold("heavy", 12);
    const light = await s.hold("light", SHED_FLOOR);
    monitor.set("database");
    const shed = await s.call("heavy");
    expect(shed).toEqual({
      code: Code.ResourceExhausted,
      message: "server overloaded: calls of the busiest API keys are refused for now; retry later",
      retryAfter: "1",
    });
    // Heaviest is 12: a key with fewer than 6 in flight is still served, a new key always.
    const lightMore = await s.hold("light", 1);
    const fresh = await s.hold("fresh", 1);
    monitor.set(undefined);
    const after = await s.hold("heavy", 1);
    s.release();
    const outcomes = await Promise.all([...heavy, ...light, ...lightMore, ...fresh, ...after]);
    expect(outcomes.every((o) => o.code === undefined)).toBe(true);
    expect(s.interceptor.stats()).toMatchObject({ refusedShed: 1, overloadEpisodes: 1 });
  });

  it("sheds every key down to the floor while the pressure lasts, and no further", async () => {
    const monitor = heldMonitor();
    const s = setup("standard=100", monitor);
    release = s.release;
    const a = await s.hold("a", SHED_FLOOR);
    const b = await s.hold("b", SHED_FLOOR);
    const c = await s.hold("c", SHED_FLOOR - 1);
    monitor.set("event_loop");
    // The heaviest holds the floor: one more call of a key at the floor is refused...
    expect((await s.call("a")).code).toBe(Code.ResourceExhausted);
    expect((await s.call("b")).code).toBe(Code.ResourceExhausted);
    // ...while a key below it still gets its calls.
    const more = await s.hold("c", 1);
    s.release();
    expect((await Promise.all([...a, ...b, ...c, ...more])).every((o) => o.code === undefined)).toBe(true);
  });

  it("ranks tenants too: one spreading its calls over many light keys is shed, another tenant's go on", async () => {
    const monitor = heldMonitor();
    const s = setup("standard=100", monitor);
    release = s.release;
    // Eight keys of one tenant, each below the floor: 24 calls, none of its keys heavy by itself.
    const spread = [];
    for (let k = 0; k < 8; k++) spread.push(...(await s.hold(`mallory/k${k}`, SHED_FLOOR - 1)));
    const alice = await s.hold("alice/k", SHED_FLOOR - 1);
    monitor.set("database");
    // The tenant is the heaviest caller: a call of any of its keys is refused, a fresh key's too.
    for (const key of ["mallory/k0", "mallory/fresh"]) {
      expect(await s.call(key)).toEqual({
        code: Code.ResourceExhausted,
        message: "server overloaded: calls of the busiest API keys are refused for now; retry later",
        retryAfter: "1",
      });
    }
    // The other tenant, light, is served.
    const aliceMore = await s.hold("alice/k", 1);
    const aliceFresh = await s.hold("alice/other", 1);
    s.release();
    const outcomes = await Promise.all([...spread, ...alice, ...aliceMore, ...aliceFresh]);
    expect(outcomes.every((o) => o.code === undefined)).toBe(true);
    expect(s.interceptor.stats()).toMatchObject({ refusedShed: 2 });
  });

  it("ranks keys alone while one tenant has calls in flight", async () => {
    const monitor = heldMonitor();
    const s = setup("standard=100", monitor);
    release = s.release;
    const held = [];
    for (let k = 0; k < 8; k++) held.push(...(await s.hold(`solo/k${k}`, SHED_FLOOR - 1)));
    monitor.set("event_loop");
    // Its keys are all light: none is refused, though the tenant holds every call.
    const more = await s.hold("solo/k0", 1);
    s.release();
    expect((await Promise.all([...held, ...more])).every((o) => o.code === undefined)).toBe(true);
    expect(s.interceptor.stats()).toMatchObject({ refusedShed: 0 });
  });

  it("logs the start and the end of an overload once, not once per refused call", async () => {
    const monitor = heldMonitor();
    const s = setup("standard=100", monitor);
    release = s.release;
    const held = await s.hold("a", SHED_FLOOR);
    monitor.set("event_loop");
    for (let i = 0; i < 5; i++) expect((await s.call("a")).code).toBe(Code.ResourceExhausted);
    monitor.set(undefined);
    const after = await s.hold("a", 1);
    s.release();
    await Promise.all([...held, ...after]);
    const lines = s.logs.lines();
    const started = lines.filter((l) => String(l.msg).startsWith("overloaded"));
    const ended = lines.filter((l) => String(l.msg).startsWith("load back under"));
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ level: "warn", pressure: "event_loop", loopDelayMs: 500 });
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ level: "info", shed: 5 });
  });

  it("never sheds calls without a principal", async () => {
    const monitor = heldMonitor();
    const s = setup("standard=100", monitor);
    release = s.release;
    const held = await s.hold("a", SHED_FLOOR);
    monitor.set("event_loop");
    const anonymous = Array.from({ length: 5 }, () => s.call(undefined));
    await expect.poll(s.entered).toBe(SHED_FLOOR + 5);
    s.release();
    expect((await Promise.all([...held, ...anonymous])).every((o) => o.code === undefined)).toBe(true);
  });
});
