import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiKeyStore,
  createApiKeyStore,
  listenForRevocations,
  REPLACED_KEY_MESSAGE,
} from "../../src/auth/index.ts";
import { createNotificationListener, type NotificationListener } from "../../src/db/index.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { patchbay } from "../cli/run-patchbay.ts";
import { grpc } from "../support/grpc-js-client.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import { apiKeyWire, millis, type WireKey } from "./api-key-wire.ts";

type Created = { apiKey: WireKey; key: string };
type Rotated = { apiKey: WireKey; key: string; previous: WireKey };
type Listed = { apiKeys?: WireKey[] };

const HOUR = 3_600_000;
const seconds = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)) });

// What a key may do with keys is bounded by the key itself: it issues nothing that outlives it, and once a
// rotation replaced it (it still works for the overlap, so that clients can switch over) it manages no
// keys at all. Otherwise a leaked admin key, rotated by its owner, would spend the overlap minting a key
// that never expires, or revoking the replacement.
describe("a calling key's own expiry and rotation bound what it can do with keys, on PostgreSQL", () => {
  let t: TestServer;
  const wire = apiKeyWire(() => t);
  const create = async (request: object, key = t.adminKey) => {
    const outcome = await wire.call<Created>("createApiKey", request, key);
    if (!outcome.ok) throw new Error(`createApiKey refused: ${outcome.message}`);
    return outcome.response;
  };
  const listAll = async () => {
    const listed = await wire.call<Listed>("listApiKeys", { pageSize: 200 }, t.adminKey);
    if (!listed.ok) throw new Error(listed.message);
    return listed.response.apiKeys ?? [];
  };

  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    wire.close();
    await t?.stop();
  });

  it("lets an expiring key issue only keys that expire no later than itself, over gRPC and REST", async () => {
    const ends = Math.floor((Date.now() + HOUR) / 1000) * 1000;
    const expiring = await create({ subject: "temp-admin", scopes: ["admin"], expireTime: seconds(ends) });
    expect(millis(expiring.apiKey.expireTime)).toBe(ends);

    // No expiry asked for: the new key gets the caller's.
    const forever = await create({ subject: "forever", scopes: ["admin"] }, expiring.key);
    expect(millis(forever.apiKey.expireTime)).toBe(ends);
    // A later one is brought back to the caller's; an earlier one is kept.
    const later = await create(
      { subject: "later", scopes: ["execute"], expireTime: seconds(Date.now() + 30 * 24 * HOUR) },
      expiring.key,
    );
    expect(millis(later.apiKey.expireTime)).toBe(ends);
    const sooner = Math.floor((Date.now() + HOUR / 2) / 1000) * 1000;
    const earlier = await create(
      { subject: "earlier", scopes: ["execute"], expireTime: seconds(sooner) },
      expiring.key,
    );
    expect(millis(earlier.apiKey.expireTime)).toBe(sooner);
    // The same over REST.
    const rest = await wire.rest("POST", "/api/v1/api-keys", expiring.key, {
      subject: "rest-forever",
      scopes: ["admin"],
    });
    expect(rest.status).toBe(200);
    expect(Date.parse(String((rest.json.apiKey as { expireTime?: string }).expireTime))).toBe(ends);

    // A rotation issues a key too: an expiring key rotating a key that never expires gets a replacement
    // that ends when the caller does, not one that outlives it.
    const lasting = await create({ subject: "lasting", scopes: ["admin"] });
    expect(lasting.apiKey.expireTime).toBeUndefined();
    const rotated = await wire.call<Rotated>("rotateApiKey", { id: lasting.apiKey.id }, expiring.key);
    if (!rotated.ok) throw new Error(rotated.message);
    expect(millis(rotated.response.apiKey.expireTime)).toBe(ends);

    // A key that does not expire issues keys that do not expire, and the stored rows say what was answered.
    const plain = await create({ subject: "plain", scopes: ["execute"] });
    expect(plain.apiKey.expireTime).toBeUndefined();
    const stored = new Map((await listAll()).map((k) => [k.id, k]));
    expect(millis(stored.get(forever.apiKey.id)?.expireTime)).toBe(ends);
    expect(millis(stored.get(rotated.response.apiKey.id)?.expireTime)).toBe(ends);
    expect(stored.get(plain.apiKey.id)?.expireTime).toBeUndefined();
  });

  it("refuses every key-management call from a leaked admin key once its owner rotated it, while it still works elsewhere", async () => {
    const leaked = await create({ subject: "owner", scopes: ["admin"], name: "leaks" });
    // The attacker has been using it: the server holds it in its cache of verified keys.
    for (let i = 0; i < 3; i++) {
      expect((await wire.call<Listed>("listApiKeys", { pageSize: 1 }, leaked.key)).ok).toBe(true);
    }
    // The owner rotates it, with the default overlap of one day.
    const rotated = await wire.call<Rotated>("rotateApiKey", { id: leaked.apiKey.id }, leaked.key);
    if (!rotated.ok) throw new Error(rotated.message);
    const replacement = rotated.response;
    expect(replacement.previous).toMatchObject({ state: "active", replacedBy: replacement.apiKey.id });
    const before = (await listAll()).length;

    // During the overlap the old key still authenticates (clients are switching over)...
    expect(await wire.keyStatus(leaked.key)).toBe(200);
    // ...but it can neither mint a key that outlives the rotation, nor undo or take over the rotation.
    const refused = { ok: false, code: grpc.status.PERMISSION_DENIED, message: REPLACED_KEY_MESSAGE };
    for (const [method, request] of [
      ["createApiKey", { subject: "backdoor", scopes: ["admin"] }],
      ["createApiKey", { subject: "backdoor", scopes: ["execute"], expireTime: seconds(Date.now() + HOUR) }],
      ["revokeApiKey", { id: replacement.apiKey.id }],
      ["rotateApiKey", { id: replacement.apiKey.id, overlapSeconds: 0 }],
      ["rotateApiKey", { id: leaked.apiKey.id }],
      ["listApiKeys", {}],
      ["listApiKeys", { pageToken: "garbage" }],
    ] as const) {
      expect(await wire.call(method, request, leaked.key)).toEqual(refused);
    }
    const restCreate = await wire.rest("POST", "/api/v1/api-keys", leaked.key, {
      subject: "backdoor",
      scopes: ["admin"],
    });
    expect(restCreate.status).toBe(403);
    expect(restCreate.json).toMatchObject({ code: "permission_denied", message: REPLACED_KEY_MESSAGE });
    const restRevoke = await wire.rest(
      "POST",
      `/api/v1/api-keys/${replacement.apiKey.id}:revoke`,
      leaked.key,
      {},
    );
    expect(restRevoke.status).toBe(403);

    // Nothing happened: no new key, and the replacement works and is not revoked or rotated.
    const keys = await listAll();
    expect(keys.length).toBe(before);
    expect(keys.some((k) => k.subject === "backdoor")).toBe(false);
    expect(keys.find((k) => k.id === replacement.apiKey.id)).toMatchObject({ state: "active" });
    expect(keys.find((k) => k.id === replacement.apiKey.id)?.replacedBy).toBeFalsy();
    expect(await wire.keyStatus(replacement.key)).toBe(200);

    // The replacement manages keys, and ends the leaked key for good.
    const revoked = await wire.call<{ apiKey: WireKey }>(
      "revokeApiKey",
      { id: leaked.apiKey.id },
      replacement.key,
    );
    expect(revoked).toMatchObject({ ok: true, response: { apiKey: { state: "revoked" } } });
    expect(await wire.keyStatus(leaked.key)).toBe(401);
  });

  it("leaves the operator's console alone: `patchbay keys` still manages replaced keys and issues keys that do not expire", async () => {
    const env = {
      DATABASE_URL: t.env.DATABASE_URL ?? "",
      PATCHBAY_MASTER_KEY: t.env.PATCHBAY_MASTER_KEY ?? "",
    };
    const old = await create({ subject: "console", scopes: ["admin"] });
    const rotated = await wire.call<Rotated>("rotateApiKey", { id: old.apiKey.id }, t.adminKey);
    if (!rotated.ok) throw new Error(rotated.message);
    const revoked = await patchbay(["keys", "revoke", old.apiKey.id, "--json"], env);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({
      id: old.apiKey.id,
      replacedBy: rotated.response.apiKey.id,
    });
    await expect.poll(() => wire.keyStatus(old.key)).toBe(401);
    const made = await patchbay(["keys", "create", "--subject", "ops", "--scope", "admin", "--json"], env);
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ subject: "ops", expiresAt: null });
  });
});

// The principal a replica verifies a key to carries the key's expiry and whether it was replaced; a
// rotation made on another replica reaches a cached principal through the revocation announcement.
describe("a replaced key's principal, on every replica", () => {
  let t: TestServer;
  let listener: NotificationListener;
  let stopListening: () => Promise<void>;
  let replicaB: ApiKeyStore;
  const wire = apiKeyWire(() => t);
  // B's clock stands still, so its cache never lapses on its own: a change it shows, it was told about.
  const frozen = new Date();

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    replicaB = createApiKeyStore(
      () => t.server.db.em(),
      () => frozen,
    );
    listener = createNotificationListener({
      db: t.server.db,
      logger: createLogger({ level: "silent", format: "json" }),
    });
    stopListening = await listenForRevocations(listener, replicaB);
  });
  afterAll(async () => {
    wire.close();
    await stopListening?.();
    await listener?.close();
    await t?.stop();
  });

  it("carries the key's expiry, and learns of a rotation made elsewhere at once", async () => {
    const ends = Math.floor((Date.now() + HOUR) / 1000) * 1000;
    const created = await wire.call<Created>(
      "createApiKey",
      { subject: "cached", scopes: ["admin"], expireTime: seconds(ends) },
      t.adminKey,
    );
    if (!created.ok) throw new Error(created.message);
    const { key, apiKey } = created.response;
    const cached = await replicaB.verify(key);
    expect(cached).toMatchObject({ keyId: apiKey.id, replaced: false });
    expect(cached?.expiresAt?.getTime()).toBe(ends);
    const plain = await t.server.keys.create({
      tenantId: "default",
      subject: "p",
      name: "",
      scopes: ["execute"],
    });
    expect(await replicaB.verify(plain.key)).toMatchObject({ expiresAt: null, replaced: false });

    const rotated = await wire.call<Rotated>("rotateApiKey", { id: apiKey.id }, t.adminKey);
    if (!rotated.ok) throw new Error(rotated.message);
    await expect.poll(async () => (await replicaB.verify(key))?.replaced).toBe(true);
    // Still working for the overlap; its own expiry (an hour) comes before the overlap's end (a day).
    expect((await replicaB.verify(key))?.expiresAt?.getTime()).toBe(ends);
    expect(await replicaB.verify(rotated.response.key)).toMatchObject({ replaced: false });
  });
});
