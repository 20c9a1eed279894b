import type { EntityManager } from "@mikro-orm/sql";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiKeyStore,
  createApiKeyStore,
  hashApiKey,
  listenForRevocations,
  VERIFIED_CACHE_MS,
} from "../../src/auth/index.ts";
import { createNotificationListener, type NotificationListener } from "../../src/db/index.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import { apiKeyWire, millis, type WireKey } from "./api-key-wire.ts";

// "Refused at once by every replica": replica A is a real server; replica B is the key store another
// process would verify with, listening for announcements the way a server does. B's clock stands still,
// so its cache never lapses on its own: when B refuses a key, the announcement told it to.
describe("revocations, rotations and expiries reach every replica's key cache", () => {
  let t: TestServer;
  let sql: pg.Client;
  let listener: NotificationListener;
  let stopListening: () => Promise<void>;
  let clockB = new Date();
  let replicaB: ApiKeyStore;
  const wire = apiKeyWire(() => t);

  const create = async (request: object) => {
    const created = await wire.call<{ key: string; apiKey: WireKey }>("createApiKey", request, t.adminKey);
    if (!created.ok) throw new Error(created.message);
    return created.response;
  };
  /** Changes the row behind B's back (no announcement): B still answering the old subject proves it answers from its cache. */
  const renameBehindTheCache = (id: string, subject: string) =>
    sql.query("update api_keys set subject = $2 where id = $1", [id, subject]);

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    sql = new pg.Client({ connectionString: t.database?.url });
    await sql.connect();
    const logger = createLogger({ level: "silent", format: "json" });
    replicaB = createApiKeyStore(
      () => t.server.db.em(),
      () => clockB,
    );
    listener = createNotificationListener({ db: t.server.db, logger });
    stopListening = await listenForRevocations(listener, replicaB);
  });
  afterAll(async () => {
    wire.close();
    await stopListening?.();
    await listener?.close();
    await sql?.end();
    await t?.stop();
  });

  it("drops a key revoked on another replica as soon as the announcement arrives", async () => {
    const { key, apiKey } = await create({ subject: "cached", scopes: ["execute"] });
    expect((await replicaB.verify(key))?.subject).toBe("cached");
    await renameBehindTheCache(apiKey.id, "renamed");
    expect((await replicaB.verify(key))?.subject).toBe("cached");

    const revoked = await wire.rest("POST", `/api/v1/api-keys/${apiKey.id}:revoke`, t.adminKey, {});
    expect(revoked.status).toBe(200);
    await expect.poll(() => replicaB.verify(key)).toBeUndefined();
  });

  it("drops the old key of a rotation without overlap, and keeps one whose overlap runs", async () => {
    const cut = await create({ subject: "cut", scopes: ["execute"] });
    const kept = await create({ subject: "kept", scopes: ["execute"] });
    // B's clock, still standing, is a minute ahead: the rotation's "at once" is in B's past.
    clockB = new Date(Date.now() + 60_000);
    for (const { key, apiKey } of [cut, kept]) {
      expect(await replicaB.verify(key)).toBeDefined();
      await renameBehindTheCache(apiKey.id, `${apiKey.subject}-renamed`);
    }
    await wire.rest("POST", `/api/v1/api-keys/${cut.apiKey.id}:rotate`, t.adminKey, { overlapSeconds: 0 });
    await wire.rest("POST", `/api/v1/api-keys/${kept.apiKey.id}:rotate`, t.adminKey, {
      overlapSeconds: 3600,
    });
    await expect.poll(() => replicaB.verify(cut.key)).toBeUndefined();
    // B read the overlapping key again when told (the new subject shows it): it still works there.
    await expect.poll(async () => (await replicaB.verify(kept.key))?.subject).toBe("kept-renamed");
    clockB = new Date();
  });

  it("never serves a cached key past its expiry, even while the cache entry is young", async () => {
    const expiresAt = Math.ceil(Date.now() / 1000) + 3600;
    const { key, apiKey } = await create({
      subject: "expiring",
      scopes: ["execute"],
      expireTime: { seconds: String(expiresAt) },
    });
    expect(millis(apiKey.expireTime)).toBe(expiresAt * 1000);
    // Verified one second before the expiry: a cache entry would live VERIFIED_CACHE_MS past it.
    expect(VERIFIED_CACHE_MS).toBeGreaterThan(1000);
    clockB = new Date(expiresAt * 1000 - 1000);
    expect((await replicaB.verify(key))?.subject).toBe("expiring");
    await renameBehindTheCache(apiKey.id, "expiring-renamed");
    clockB = new Date(expiresAt * 1000 - 1);
    expect((await replicaB.verify(key))?.subject).toBe("expiring"); // from the cache
    clockB = new Date(expiresAt * 1000);
    expect(await replicaB.verify(key)).toBeUndefined();
    clockB = new Date();
  });
});

describe("a key lookup that races a revocation", () => {
  let t: TestServer;
  const wire = apiKeyWire(() => t);

  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    wire.close();
    await t?.stop();
  });

  it("answers the calls that were waiting, but neither caches what it read nor serves later calls with it", async () => {
    const { key, apiKey } = await (async () => {
      const created = await wire.call<{ key: string; apiKey: WireKey }>(
        "createApiKey",
        { subject: "racer", scopes: ["execute"] },
        t.adminKey,
      );
      if (!created.ok) throw new Error(created.message);
      return created.response;
    })();
    // Each row B reads is held back until `release`: the lookup has read the key before the revocation,
    // and finishes after the announcement.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reads = 0;
    const heldEm = (): EntityManager => {
      const real = t.server.db.em();
      return new Proxy(real, {
        get(target, property, receiver) {
          if (property === "findOne") {
            return async (...args: Parameters<EntityManager["findOne"]>) => {
              const row = await target.findOne(...args);
              reads++;
              await held;
              return row;
            };
          }
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    };
    const frozen = new Date();
    const replicaB = createApiKeyStore(heldEm, () => frozen);
    replicaB.setCaching(true);

    const before = replicaB.verify(key);
    await expect.poll(() => reads).toBe(1);
    const revoked = await wire.call("revokeApiKey", { id: apiKey.id }, t.adminKey);
    expect(revoked.ok).toBe(true);
    // What the listener does when the announcement arrives.
    replicaB.forget(hashApiKey(key));
    const after = replicaB.verify(key);
    release();
    expect((await before)?.subject).toBe("racer");
    expect(await after).toBeUndefined();
    expect(await replicaB.verify(key)).toBeUndefined();
  });
});
