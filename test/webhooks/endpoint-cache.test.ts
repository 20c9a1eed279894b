import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createNativeQuery, type Database, type NativeQuery, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createSecretBox } from "../../src/secrets/index.ts";
import { createEndpointCache } from "../../src/webhooks/endpoints/endpoint-cache.ts";
import { endpointSecretContext } from "../../src/webhooks/endpoints/endpoint-row.ts";
import { createEndpointStore } from "../../src/webhooks/endpoints/endpoint-store.ts";

const TTL = 2000;
const box = createSecretBox([randomBytes(32)]);

describe("createEndpointCache (embedded database)", () => {
  let db: Database;
  let dataDir: string;
  let native: NativeQuery;
  let reads = 0;
  // The cache's clock, moved by the tests: a loaded machine's pauses cannot age an entry.
  let clock = 0;
  const now = () => clock;
  const cacheOf = () => createEndpointCache(createEndpointStore(query), box, { ttlMs: TTL, now });
  // While set, every read waits for it (a slow database); `failNext` makes the next read fail.
  let gate: Promise<void> | undefined;
  let failNext = false;
  const query: NativeQuery = async (text, values) => {
    if (text.includes("from webhook_endpoints")) {
      reads++;
      if (gate !== undefined) await gate;
      if (failNext) {
        failNext = false;
        throw new Error("database unavailable");
      }
    }
    return native(text, values);
  };
  const hold = () => {
    let open!: () => void;
    gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    return () => {
      gate = undefined;
      open();
    };
  };
  const setSecret = (id: string, secret: string) =>
    native("update webhook_endpoints set sealed_secret = $2 where id = $1", [
      id,
      box.seal(secret, endpointSecretContext(id)),
    ]);
  const addEndpoint = async (secret: string): Promise<string> => {
    const id = randomUUID();
    await native(
      `insert into webhook_endpoints (id, tenant_id, provider, connector_slug, sealed_secret, verified, target_kind, target, created_at)
       values ($1, 't1', 'github', 'github', $2, true, 'pull', '{"kind":"pull"}', now())`,
      [id, box.seal(secret, endpointSecretContext(id))],
    );
    return id;
  };
  /** A cache holding an endpoint read with secret "first", whose stored secret is then "second". */
  const cachedThenRotated = async () => {
    const cache = cacheOf();
    const id = await addEndpoint("first");
    await cache.get(id);
    await setSecret(id, "second");
    return { cache, id };
  };
  /** The value if `get` answers within 50 ms, else "waiting". */
  const quickly = <T>(promise: Promise<T>) =>
    Promise.race([promise, sleep(50).then(() => "waiting" as const)]);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-endpoint-cache-"));
    db = await openDatabase({
      databaseUrl: undefined,
      dataDir,
      poolMax: 1,
      logger: createLogger({ level: "silent", format: "json" }),
      entities: ENTITIES,
    });
    await db.migrate();
    native = createNativeQuery(() => db.em());
  });
  afterAll(async () => {
    await db?.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    reads = 0;
    clock = 1_000_000;
    gate = undefined;
    failNext = false;
  });

  it("reads once within the ttl", async () => {
    const cache = cacheOf();
    const id = await addEndpoint("first");
    const [a, b] = await Promise.all([cache.get(id), cache.get(id)]);
    expect(a?.secretsAt(new Date())).toEqual(["first"]);
    expect(b).toBe(a);
    clock += TTL - 1;
    expect(await cache.get(id)).toBe(a);
    expect(reads).toBe(1);
  });

  it("answers a busy endpoint from the cache past its ttl while one reload runs, then serves the reload", async () => {
    const { cache, id } = await cachedThenRotated();
    clock += TTL;
    const release = hold();
    // The database is slow: the stale answer comes at once, and only one reload is started.
    const stale = await quickly(cache.get(id));
    expect(stale === "waiting" ? stale : stale?.secretsAt(new Date())).toEqual(["first"]);
    expect(await quickly(cache.get(id))).not.toBe("waiting");
    expect(reads).toBe(2);
    release();
    await expect
      .poll(async () => (await cache.get(id))?.secretsAt(new Date()), { interval: 10 })
      .toEqual(["second"]);
    expect(reads).toBe(2);
  });

  it("makes a delivery to an endpoint idle for five ttls wait for a fresh read", async () => {
    const { cache, id } = await cachedThenRotated();
    clock += 5 * TTL;
    const release = hold();
    const pending = cache.get(id);
    expect(await quickly(pending)).toBe("waiting");
    release();
    expect((await pending)?.secretsAt(new Date())).toEqual(["second"]);
  });

  it("sees a deleted endpoint as unknown after the reload, and reads again after forget()", async () => {
    const cache = cacheOf();
    const id = await addEndpoint("first");
    await cache.get(id);
    await native("update webhook_endpoints set deleted_at = now() where id = $1", [id]);
    clock += TTL;
    await cache.get(id);
    await expect.poll(() => cache.get(id), { interval: 10 }).toBeUndefined();

    await native("update webhook_endpoints set deleted_at = null where id = $1", [id]);
    cache.forget(id);
    expect((await cache.get(id))?.secretsAt(new Date())).toEqual(["first"]);
  });

  it("keeps the old answer when a reload fails, and tries again later", async () => {
    const { cache, id } = await cachedThenRotated();
    clock += TTL;
    failNext = true;
    expect((await cache.get(id))?.secretsAt(new Date())).toEqual(["first"]);
    await expect.poll(() => failNext, { interval: 10 }).toBe(false);
    expect((await cache.get(id))?.secretsAt(new Date())).toEqual(["first"]);
    await expect
      .poll(async () => (await cache.get(id))?.secretsAt(new Date()), { interval: 10 })
      .toEqual(["second"]);
    expect(reads).toBe(3);
  });

  it("reads every time while caching is off, and forgets everything it held when turned off", async () => {
    const { cache, id } = await cachedThenRotated();
    expect((await cache.get(id))?.secretsAt(new Date())).toEqual(["first"]);
    cache.setCaching(false);
    expect((await cache.get(id))?.secretsAt(new Date())).toEqual(["second"]);
    await setSecret(id, "third");
    expect((await cache.get(id))?.secretsAt(new Date())).toEqual(["third"]);
    expect(reads).toBe(3);
    cache.setCaching(true);
    await cache.get(id);
    await cache.get(id);
    expect(reads).toBe(4);
  });

  it("forget waits for the uses that saw the endpoint before it, not for those that began after", async () => {
    const cache = cacheOf();
    const id = await addEndpoint("first");
    const done: string[] = [];
    let finishEarly!: () => void;
    const early = cache.use(id, async (endpoint) => {
      await new Promise<void>((resolve) => {
        finishEarly = resolve;
      });
      done.push(`early saw ${endpoint?.secretsAt(new Date())}`);
    });
    await expect.poll(() => finishEarly !== undefined).toBe(true);
    await setSecret(id, "second");
    const forgotten = cache.forget(id).then(() => done.push("forgotten"));
    // A use that begins after forget() reads afresh and is not waited for, even while it runs.
    let finishLate!: () => void;
    const late = cache.use(id, async (endpoint) => {
      done.push(`late saw ${endpoint?.secretsAt(new Date())}`);
      await new Promise<void>((resolve) => {
        finishLate = resolve;
      });
    });
    await expect.poll(() => done).toEqual(["late saw second"]);
    finishEarly();
    await forgotten;
    expect(done).toEqual(["late saw second", "early saw first", "forgotten"]);
    finishLate();
    await Promise.all([early, late]);
  });

  it("forget waits for a use that failed, and answers at once when nothing is in flight", async () => {
    const cache = cacheOf();
    const id = await addEndpoint("first");
    let fail!: (error: Error) => void;
    const failing = cache.use(
      id,
      () =>
        new Promise<never>((_resolve, reject) => {
          fail = reject;
        }),
    );
    await expect.poll(() => fail !== undefined).toBe(true);
    let forgotten = false;
    const forgetting = cache.forget(id).then(() => {
      forgotten = true;
    });
    await sleep(20);
    expect(forgotten).toBe(false);
    fail(new Error("verification failed"));
    await expect(failing).rejects.toThrow("verification failed");
    await forgetting;
    await cache.forget(id);
    await cache.forget();
  });

  it("keeps made-up ids apart: a flood of them evicts no real endpoint, and each is read once per ttl", async () => {
    const cache = cacheOf();
    const id = await addEndpoint("first");
    await cache.get(id);
    const made = Array.from(
      { length: 10_050 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    );
    for (let i = 0; i < made.length; i += 500) {
      await Promise.all(made.slice(i, i + 500).map((unknown) => cache.get(unknown)));
    }
    reads = 0;
    expect((await cache.get(id))?.secretsAt(new Date())).toEqual(["first"]);
    expect(await cache.get(made.at(-1) as string)).toBeUndefined();
    expect(reads).toBe(0);
  });

  it("evicts no real endpoint for 10,000 made-up ids whose reads are all still in flight", async () => {
    const cache = cacheOf();
    const id = await addEndpoint("first");
    await cache.get(id);
    reads = 0;
    const made = Array.from(
      { length: 10_000 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    );
    // A slow database: every made-up id's read is in flight at once.
    const release = hold();
    const flood = made.map((unknown) => cache.get(unknown));
    await expect.poll(() => reads).toBe(made.length);
    // The real endpoint is still answered from the cache, without a read of its own.
    const real = await quickly(cache.get(id));
    expect(real === "waiting" ? real : real?.secretsAt(new Date())).toEqual(["first"]);
    expect(reads).toBe(made.length);
    // Deliveries to one made-up id share its read.
    void cache.get(made[0] as string);
    expect(reads).toBe(made.length);
    release();
    expect((await Promise.all(flood)).every((found) => found === undefined)).toBe(true);
    reads = 0;
    expect((await cache.get(id))?.secretsAt(new Date())).toEqual(["first"]);
    expect(await cache.get(made[0] as string)).toBeUndefined();
    expect(reads).toBe(0);
  });

  it("does not keep a failed first read", async () => {
    const cache = cacheOf();
    const id = await addEndpoint("first");
    failNext = true;
    await expect(cache.get(id)).rejects.toThrow("database unavailable");
    expect((await cache.get(id))?.secretsAt(new Date())).toEqual(["first"]);
    expect(reads).toBe(2);
  });
});
