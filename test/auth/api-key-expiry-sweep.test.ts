import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiKeyStore,
  createApiKeyStore,
  hashApiKey,
  listenForRevocations,
  startApiKeyExpirySweep,
  sweepExpiredApiKeys,
} from "../../src/auth/index.ts";
import { loadConfig } from "../../src/config.ts";
import {
  createNativeQuery,
  createNotificationListener,
  type NotificationListener,
} from "../../src/db/index.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { startServer } from "../../src/server/start-server.ts";
import { LogCapture } from "../support/log-capture.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import { apiKeyWire, millis, type WireKey } from "./api-key-wire.ts";

type Created = { apiKey: WireKey; key: string };
type Listed = { apiKeys?: WireKey[] };

const silent = () => createLogger({ level: "silent", format: "json" });

// Expiry is enforced by code that reads `expires_at`. A replica still running the previous release (a
// rolling deploy), or a rollback, reads only `revoked_at`: the sweep writes expiry there too, so that
// such code refuses expired and rotated-away keys as well.
describe("the API key expiry sweep, on PostgreSQL", () => {
  let t: TestServer;
  let sql: pg.Client;
  let listener: NotificationListener;
  let stopListening: () => Promise<void>;
  let replicaB: ApiKeyStore;
  // B's clock stands before every expiry here, so its cache never lapses on its own: when B refuses a
  // key, an announcement told it to.
  const frozen = new Date();
  const wire = apiKeyWire(() => t);
  const sweep = () => sweepExpiredApiKeys(createNativeQuery(() => t.server.db.em()));

  const create = async (request: object) => {
    const outcome = await wire.call<Created>("createApiKey", request, t.adminKey);
    if (!outcome.ok) throw new Error(outcome.message);
    return outcome.response;
  };
  /** Exactly what the release before expiry asked of a key: a row with this hash and no revocation. */
  const previousReleaseAccepts = async (key: string) =>
    (await sql.query("select 1 from api_keys where key_hash = $1 and revoked_at is null", [hashApiKey(key)]))
      .rowCount === 1;
  const row = async (id: string) =>
    (
      await sql.query<{ revoked_at: Date | null; expires_at: Date | null }>(
        "select revoked_at, expires_at from api_keys where id = $1",
        [id],
      )
    ).rows[0];
  const soon = (ms: number) => ({ seconds: String(Math.ceil((Date.now() + ms) / 1000)) });

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    sql = new pg.Client({ connectionString: t.database?.url });
    await sql.connect();
    replicaB = createApiKeyStore(
      () => t.server.db.em(),
      () => frozen,
    );
    listener = createNotificationListener({ db: t.server.db, logger: silent() });
    stopListening = await listenForRevocations(listener, replicaB);
  });
  afterAll(async () => {
    wire.close();
    await stopListening?.();
    await listener?.close();
    await sql?.end();
    await t?.stop();
  });

  it("revokes expired and rotated-away keys at their expiry, announces them, and does it once", async () => {
    const expiring = await create({ subject: "expiring", scopes: ["execute"], expireTime: soon(1500) });
    const rotatedAway = await create({ subject: "rotated", scopes: ["catalog:read"] });
    const rotation = await wire.call<{ key: string; previous: WireKey }>(
      "rotateApiKey",
      { id: rotatedAway.apiKey.id, overlapSeconds: 1 },
      t.adminKey,
    );
    if (!rotation.ok) throw new Error(rotation.message);
    const lasting = await create({ subject: "lasting", scopes: ["execute"] });
    const later = await create({ subject: "later", scopes: ["execute"], expireTime: soon(3_600_000) });
    const revokedEarly = await create({
      subject: "revoked-early",
      scopes: ["execute"],
      expireTime: soon(1500),
    });
    expect((await wire.call("revokeApiKey", { id: revokedEarly.apiKey.id }, t.adminKey)).ok).toBe(true);
    const revokedEarlyAt = (await row(revokedEarly.apiKey.id))?.revoked_at?.getTime();
    expect(revokedEarlyAt).toBeTypeOf("number");

    // B verified the two keys while they worked, and holds them in its cache.
    for (const key of [expiring.key, rotatedAway.key]) expect(await replicaB.verify(key)).toBeDefined();

    // Past their expiry this release refuses them, but the previous one still lets them in.
    await expect.poll(() => wire.keyStatus(expiring.key)).toBe(401);
    await expect.poll(() => wire.keyStatus(rotatedAway.key)).toBe(401);
    expect(await previousReleaseAccepts(expiring.key)).toBe(true);
    expect(await previousReleaseAccepts(rotatedAway.key)).toBe(true);

    const due = Number(
      (
        await sql.query<{ n: string }>(
          "select count(*) as n from api_keys where revoked_at is null and expires_at <= statement_timestamp()",
        )
      ).rows[0]?.n,
    );
    expect(due).toBe(2);
    expect(await sweep()).toBe(due);

    // Revoked at their expiry: the previous release refuses them now.
    for (const { apiKey, key } of [expiring, rotatedAway]) {
      const swept = await row(apiKey.id);
      expect(swept?.revoked_at).not.toBeNull();
      expect(swept?.revoked_at?.getTime()).toBe(swept?.expires_at?.getTime());
      expect(await previousReleaseAccepts(key)).toBe(false);
      // Announced: B dropped the keys from its cache, though its clock says they have not expired.
      await expect.poll(() => replicaB.verify(key)).toBeUndefined();
    }
    // Keys that have not expired, and a key revoked before its expiry, are left as they were.
    expect(await previousReleaseAccepts(lasting.key)).toBe(true);
    expect(await previousReleaseAccepts(later.key)).toBe(true);
    expect((await row(revokedEarly.apiKey.id))?.revoked_at?.getTime()).toBe(revokedEarlyAt);
    expect(await wire.keyStatus(rotation.response.key)).toBe(200);

    // Again: nothing left to do.
    expect(await sweep()).toBe(0);

    // The API still tells how each key ended: expired (no revoke time), or revoked.
    const listed = await wire.call<Listed>("listApiKeys", { pageSize: 200 }, t.adminKey);
    const keys = new Map((listed.ok ? (listed.response.apiKeys ?? []) : []).map((k) => [k.id, k]));
    for (const id of [expiring.apiKey.id, rotatedAway.apiKey.id]) {
      expect(keys.get(id)?.state).toBe("expired");
      expect(keys.get(id)?.revokeTime).toBeUndefined();
    }
    expect(keys.get(revokedEarly.apiKey.id)?.state).toBe("revoked");
    expect(millis(keys.get(revokedEarly.apiKey.id)?.revokeTime)).toBe(revokedEarlyAt);
    // A swept key is not rotated back to life: it is expired.
    const again = await wire.call("rotateApiKey", { id: expiring.apiKey.id }, t.adminKey);
    expect(again).toMatchObject({ ok: false, message: "this key is expired: create a new one instead" });
  });

  it("lets replicas sweep at once: each key is revoked once, and none waits on a key another holds", async () => {
    const made = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        t.server.keys.create({
          tenantId: "default",
          subject: `bulk-${i}`,
          name: "",
          scopes: ["execute"],
          expiresAt: new Date(Date.now() + 1000),
        }),
      ),
    );
    const ids = made.map((m) => m.info.id);
    const lastExpiry = new Date(Math.max(...made.map((m) => m.info.expiresAt?.getTime() ?? 0)));
    await expect.poll(() => wire.keyStatus(made[0]?.key ?? "")).toBe(401);
    await expect
      .poll(async () => (await sql.query("select 1 where statement_timestamp() > $1", [lastExpiry])).rowCount)
      .toBe(1);

    // Another transaction holds one of the keys (as a revocation or rotation would).
    const holder = new pg.Client({ connectionString: t.database?.url });
    await holder.connect();
    try {
      await holder.query("begin");
      await holder.query("select 1 from api_keys where id = $1 for update", [ids[0]]);
      // Five replicas at once, each on its own connection; none blocks on the held row.
      const counts = await Promise.all(Array.from({ length: 5 }, () => sweep()));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(ids.length - 1);
      expect((await row(ids[0] ?? ""))?.revoked_at).toBeNull();
      await holder.query("commit");
    } finally {
      await holder.end();
    }
    // The next round takes the key that was held.
    expect(await sweep()).toBe(1);
    const { rows } = await sql.query<{ n: string }>(
      "select count(*) as n from api_keys where id = any($1::uuid[]) and revoked_at = expires_at",
      [ids],
    );
    expect(Number(rows[0]?.n)).toBe(ids.length);
  });

  it("runs on a timer until stopped", async () => {
    const logs = new LogCapture();
    const logger = createLogger({ level: "info", format: "json", destination: logs.stream });
    const stop = startApiKeyExpirySweep(
      createNativeQuery(() => t.server.db.em()),
      logger,
      200,
    );
    try {
      const { info } = await t.server.keys.create({
        tenantId: "default",
        subject: "timed",
        name: "",
        scopes: ["execute"],
        expiresAt: new Date(Date.now() + 1000),
      });
      await expect
        .poll(async () => (await row(info.id))?.revoked_at?.getTime())
        .toBe(info.expiresAt?.getTime());
      expect(logs.lines()).toContainEqual(
        expect.objectContaining({ msg: "expired API keys revoked", revoked: 1 }),
      );
    } finally {
      await stop();
    }
  });

  it("is started by the server: a replica starting on the database revokes keys that expired meanwhile", async () => {
    const { info, key } = await t.server.keys.create({
      tenantId: "default",
      subject: "while-down",
      name: "",
      scopes: ["execute"],
      expiresAt: new Date(Date.now() + 1000),
    });
    await expect.poll(() => wire.keyStatus(key)).toBe(401);
    expect(await previousReleaseAccepts(key)).toBe(true);
    const logs = new LogCapture();
    const replica = await startServer(loadConfig(t.env, false), {
      logger: createLogger({ level: "info", format: "json", destination: logs.stream }),
    });
    try {
      await expect.poll(() => previousReleaseAccepts(key)).toBe(false);
      expect((await row(info.id))?.revoked_at?.getTime()).toBe(info.expiresAt?.getTime());
    } finally {
      await replica.stop();
    }
    expect(logs.text()).not.toContain("expiry sweep failed");
  });
});
