import { createHash } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_OVERLAP_SECONDS, MAX_NAME_LENGTH, MAX_OVERLAP_SECONDS } from "../../src/auth/index.ts";
import { grpc } from "../support/grpc-js-client.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import { apiKeyWire, millis, type WireKey } from "./api-key-wire.ts";

type Created = { apiKey: WireKey; key: string };
type Rotated = { apiKey: WireKey; key: string; previous: WireKey };
type Listed = { apiKeys?: WireKey[]; nextPageToken?: string };

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("ApiKeyService over gRPC (@grpc/grpc-js) and REST on PostgreSQL", () => {
  let t: TestServer;
  let sql: pg.Client;
  const wire = apiKeyWire(() => t);
  const admin = () => t.adminKey;
  const create = async (request: object, key = admin()) => {
    const outcome = await wire.call<Created>("createApiKey", request, key);
    if (!outcome.ok) throw new Error(`createApiKey refused: ${outcome.message}`);
    return outcome.response;
  };

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    sql = new pg.Client({ connectionString: t.database?.url });
    await sql.connect();
  });
  afterAll(async () => {
    wire.close();
    await sql?.end();
    await t?.stop();
  });

  it("issues a working key, shows the plaintext only in the create response, and stores only its hash", async () => {
    const created = await create({
      subject: "billing",
      scopes: ["catalog:read", "execute"],
      name: "billing",
    });
    expect(created.key).toMatch(/^pb_[\w-]{43}$/);
    expect(created.apiKey).toMatchObject({
      tenantId: "default",
      subject: "billing",
      name: "billing",
      prefix: created.key.slice(0, 12),
      scopes: ["catalog:read", "execute"],
      tier: "standard",
      state: "active",
    });
    expect(created.apiKey.expireTime).toBeUndefined();
    expect(await wire.keyStatus(created.key)).toBe(200);
    expect(await wire.call("listApiKeys", {}, created.key)).toMatchObject({
      ok: false,
      code: grpc.status.PERMISSION_DENIED,
      message: "API key lacks scope 'admin'",
    });

    const { rows } = await sql.query("select key_hash from api_keys where id = $1", [created.apiKey.id]);
    expect(rows).toEqual([{ key_hash: sha256(created.key) }]);
    const everything = JSON.stringify(await sql.query("select * from api_keys").then((r) => r.rows));
    expect(everything).not.toContain(created.key);

    // Neither list nor any later answer carries the key or its hash, over either protocol.
    const listed = await wire.call<Listed>("listApiKeys", { pageSize: 200 }, admin());
    const rest = await wire.rest("GET", "/api/v1/api-keys?pageSize=200", admin());
    for (const text of [JSON.stringify(listed), JSON.stringify(rest.json)]) {
      expect(text).toContain(created.apiKey.id);
      expect(text).not.toContain(created.key);
      expect(text).not.toContain(sha256(created.key));
    }
  });

  it("pages newest first with tokens, like the other List RPCs", async () => {
    const mine: string[] = [];
    for (let i = 0; i < 5; i++)
      mine.push((await create({ subject: `pager-${i}`, scopes: ["execute"] })).apiKey.id);
    const seen: WireKey[] = [];
    let token = "";
    let pages = 0;
    do {
      const page = await wire.call<Listed>("listApiKeys", { pageSize: 2, pageToken: token }, admin());
      if (!page.ok) throw new Error(page.message);
      expect((page.response.apiKeys ?? []).length).toBeLessThanOrEqual(2);
      seen.push(...(page.response.apiKeys ?? []));
      token = page.response.nextPageToken ?? "";
      pages++;
    } while (token !== "");
    const ids = seen.map((k) => k.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages).toBe(Math.ceil(ids.length / 2));
    // Newest first: the five just made, in reverse order, lead the list.
    expect(ids.slice(0, 5)).toEqual([...mine].reverse());
    const times = seen.map((k) => millis(k.createTime));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // The same over REST, page tokens included.
    const first = await wire.rest("GET", "/api/v1/api-keys?pageSize=2", admin());
    const second = await wire.rest(
      "GET",
      `/api/v1/api-keys?pageSize=2&pageToken=${encodeURIComponent(String(first.json.nextPageToken))}`,
      admin(),
    );
    expect((second.json.apiKeys as WireKey[]).map((k) => k.id)).toEqual(ids.slice(2, 4));
    const next = String(first.json.nextPageToken);
    const tampered = `${next[0] === "A" ? "B" : "A"}${next.slice(1)}`;
    expect(await wire.call<Listed>("listApiKeys", { pageToken: tampered }, admin())).toMatchObject({
      ok: false,
      code: grpc.status.INVALID_ARGUMENT,
    });
  });

  it.each([
    [
      "an unknown scope",
      { subject: "x", scopes: ["catalog:read", "everything"] },
      /^scopes\[1\] must be one of catalog:read, catalog:write, connections, execute, webhooks:admin, webhooks:payload, mcp, agent, admin$/,
    ],
    ["no scope", { subject: "x", scopes: [] }, /^scopes must have at least one item$/],
    ["an empty subject", { subject: "  ", scopes: ["execute"] }, /^subject must be 1-256 characters$/],
    [
      "an over-long subject",
      { subject: "s".repeat(257), scopes: ["execute"] },
      /^subject must be 1-256 characters$/,
    ],
    [
      "a subject with a line break",
      { subject: "a\nb", scopes: ["execute"] },
      /^subject must not contain control characters$/,
    ],
    [
      "an over-long name",
      { subject: "x", scopes: ["execute"], name: "n".repeat(MAX_NAME_LENGTH + 1) },
      /^name must be at most 100 characters$/,
    ],
    [
      "an unknown tier",
      { subject: "x", scopes: ["execute"], tier: "gold" },
      /^unknown tier 'gold' \(tiers: standard, bulk\)$/,
    ],
    ["a malformed tier", { subject: "x", scopes: ["execute"], tier: "Gold Tier" }, /^tier must be 1-32 of/],
    [
      "an expiry in the past",
      { subject: "x", scopes: ["execute"], expireTime: { seconds: "1000" } },
      /^expire_time must be in the future$/,
    ],
  ])("refuses %s with INVALID_ARGUMENT naming the field, over gRPC and REST", async (_, request, message) => {
    const refused = await wire.call("createApiKey", request, admin());
    expect(refused).toMatchObject({ ok: false, code: grpc.status.INVALID_ARGUMENT });
    expect(refused.ok ? "" : refused.message).toMatch(message);
    const body = { ...request } as Record<string, unknown>;
    if ("expireTime" in body) body.expireTime = "1970-01-01T00:16:40Z";
    const rest = await wire.rest("POST", "/api/v1/api-keys", admin(), body);
    expect(rest.status).toBe(400);
    expect(rest.json).toMatchObject({ code: "invalid_argument" });
    expect(String(rest.json.message)).toMatch(message);
  });

  it("refuses an overlap out of range and an id that names no key, naming the field", async () => {
    const { apiKey } = await create({ subject: "overlap", scopes: ["execute"] });
    const tooLong = await wire.call(
      "rotateApiKey",
      { id: apiKey.id, overlapSeconds: MAX_OVERLAP_SECONDS + 1 },
      admin(),
    );
    expect(tooLong).toMatchObject({
      ok: false,
      code: grpc.status.INVALID_ARGUMENT,
      message: `overlap_seconds must be a whole number from 0 to ${MAX_OVERLAP_SECONDS} (7 days)`,
    });
    const negative = await wire.rest("POST", `/api/v1/api-keys/${apiKey.id}:rotate`, admin(), {
      overlapSeconds: -1,
    });
    expect(negative.status).toBe(400);
    expect(String(negative.json.message)).toContain("overlap_seconds");
    for (const method of ["revokeApiKey", "rotateApiKey"]) {
      const bad = await wire.call(method, { id: "not a key" }, admin());
      expect(bad).toMatchObject({ ok: false, code: grpc.status.INVALID_ARGUMENT });
      expect(bad.ok ? "" : bad.message).toMatch(/^id must be a key id/);
    }
    // Nothing happened to the key.
    const listed = await wire.call<Listed>("listApiKeys", { pageSize: 200 }, admin());
    expect(listed.ok && listed.response.apiKeys?.find((k) => k.id === apiKey.id)?.replacedBy).toBeFalsy();
  });

  it("binds an agent key to one pool: 'agent' alone and with a pool, kept by a rotation, refused otherwise", async () => {
    const created = await create({ subject: "dc-1 agent", scopes: ["agent"], agentPool: "datacenter-1" });
    expect(created.apiKey).toMatchObject({ scopes: ["agent"], agentPool: "datacenter-1", state: "active" });
    // An agent key reaches nothing else.
    expect(await wire.call("listApiKeys", {}, created.key)).toMatchObject({
      ok: false,
      code: grpc.status.PERMISSION_DENIED,
    });
    const rest = await wire.rest("GET", "/api/v1/connectors", created.key);
    expect(rest.status).toBe(403);
    // A rotation keeps the pool.
    const rotated = await wire.call<Rotated>(
      "rotateApiKey",
      { id: created.apiKey.id, overlapSeconds: 0 },
      admin(),
    );
    expect(rotated.ok && rotated.response.apiKey.agentPool).toBe("datacenter-1");
    // Other keys have none.
    expect((await create({ subject: "plain", scopes: ["execute"] })).apiKey.agentPool ?? "").toBe("");

    const refusals: [object, string][] = [
      [{ subject: "a", scopes: ["agent"] }, "agent_pool is required with scope 'agent'"],
      [
        { subject: "a", scopes: ["agent", "execute"], agentPool: "p" },
        "scopes: 'agent' cannot be combined with other scopes",
      ],
      [
        { subject: "a", scopes: ["execute"], agentPool: "p" },
        "agent_pool is only for keys with scope 'agent'",
      ],
      [{ subject: "a", scopes: ["agent"], agentPool: "Not A Pool" }, "agent_pool must be 1-63 of [a-z0-9-]"],
    ];
    for (const [request, message] of refusals) {
      const refused = await wire.call("createApiKey", request, admin());
      expect(refused).toMatchObject({ ok: false, code: grpc.status.INVALID_ARGUMENT });
      expect(refused.ok ? "" : refused.message).toContain(message);
    }
    const overLong = await wire.rest("POST", "/api/v1/api-keys", admin(), {
      subject: "a",
      scopes: ["agent"],
      agentPool: "p".repeat(64),
    });
    expect(overLong.status).toBe(400);
    expect(String(overLong.json.message)).toContain("agent_pool");
    // Nothing was issued for the refused requests.
    const listed = await wire.call<Listed>("listApiKeys", { pageSize: 200 }, admin());
    expect(listed.ok && listed.response.apiKeys?.filter((k) => k.subject === "a")).toEqual([]);
  });

  it("needs an admin key: any other key is PERMISSION_DENIED, no key UNAUTHENTICATED", async () => {
    const webhooks = await t.createKey(["webhooks:admin", "catalog:write", "connections", "execute"]);
    const { apiKey } = await create({ subject: "victim", scopes: ["execute"] });
    for (const [method, request] of [
      ["createApiKey", { subject: "escalate", scopes: ["admin"] }],
      ["listApiKeys", {}],
      ["revokeApiKey", { id: apiKey.id }],
      ["rotateApiKey", { id: apiKey.id }],
    ] as const) {
      expect(await wire.call(method, request, webhooks)).toMatchObject({
        ok: false,
        code: grpc.status.PERMISSION_DENIED,
        message: "API key lacks scope 'admin'",
      });
      expect(await wire.call(method, request, "")).toMatchObject({
        ok: false,
        code: grpc.status.UNAUTHENTICATED,
      });
    }
    expect(
      (await wire.rest("POST", "/api/v1/api-keys", webhooks, { subject: "e", scopes: ["admin"] })).status,
    ).toBe(403);
    const listed = await wire.call<Listed>("listApiKeys", { pageSize: 200 }, admin());
    expect(listed.ok && listed.response.apiKeys?.some((k) => k.subject === "escalate")).toBe(false);
  });

  it("lets a key give only its own tier or standard; the scopes it grants must be its own (admin holds all)", async () => {
    const standardAdmin = (await create({ subject: "tenant-admin", scopes: ["admin"] })).key;
    expect(
      await wire.call("createApiKey", { subject: "x", scopes: ["execute"], tier: "bulk" }, standardAdmin),
    ).toMatchObject({
      ok: false,
      code: grpc.status.PERMISSION_DENIED,
      message: "tier: a key can give only its own tier ('standard') or 'standard'",
    });
    const bulkAdmin = await t.server.keys.create({
      tenantId: "default",
      subject: "ops",
      name: "",
      scopes: ["admin"],
      tier: "bulk",
    });
    const bulk = await create({ subject: "batch", scopes: ["execute"], tier: "bulk" }, bulkAdmin.key);
    expect(bulk.apiKey.tier).toBe("bulk");
    // An admin key may make another admin key of its tenant: admin holds every scope.
    const second = await create({ subject: "second-admin", scopes: ["admin"] }, standardAdmin);
    expect(second.apiKey.scopes).toEqual(["admin"]);
  });

  it("revokes: the key is refused from the moment the call returns, and stays listed as revoked", async () => {
    const { key, apiKey } = await create({ subject: "to-revoke", scopes: ["admin"] });
    // Warm the server's cache of verified keys first: revocation must not wait for it to lapse.
    for (let i = 0; i < 3; i++) expect(await wire.keyStatus(key)).toBe(200);
    const revoked = await wire.call<{ apiKey: WireKey }>("revokeApiKey", { id: apiKey.id }, admin());
    expect(await wire.keyStatus(key)).toBe(401);
    if (!revoked.ok) throw new Error(revoked.message);
    expect(revoked.response.apiKey).toMatchObject({ id: apiKey.id, state: "revoked" });
    const at = millis(revoked.response.apiKey.revokeTime);
    // Again: nothing changes. By prefix over REST too.
    const again = await wire.rest("POST", `/api/v1/api-keys/${apiKey.prefix}:revoke`, admin(), {});
    expect(again.status).toBe(200);
    expect(again.json.apiKey).toMatchObject({ id: apiKey.id, state: "revoked" });
    expect(Date.parse(String((again.json.apiKey as { revokeTime: string }).revokeTime))).toBe(at);
    // A revoked key cannot be rotated back to life.
    expect(await wire.call("rotateApiKey", { id: apiKey.id }, admin())).toMatchObject({
      ok: false,
      code: grpc.status.FAILED_PRECONDITION,
      message: "this key is revoked: create a new one instead",
    });
  });

  it("rotates: same subject, scopes, tier, name and expiry; the old key works for the overlap (one day by default)", async () => {
    const expires = new Date(Date.now() + 30 * 86_400_000);
    const old = await create({
      subject: "deployer",
      scopes: ["catalog:read", "admin"],
      name: "deploys",
      expireTime: { seconds: String(Math.floor(expires.getTime() / 1000)) },
    });
    for (let i = 0; i < 3; i++) expect(await wire.keyStatus(old.key)).toBe(200);
    const before = Date.now();
    const rotated = await wire.call<Rotated>("rotateApiKey", { id: old.apiKey.id }, admin());
    const after = Date.now();
    if (!rotated.ok) throw new Error(rotated.message);
    const { key, apiKey, previous } = rotated.response;
    expect(key).not.toBe(old.key);
    expect(apiKey).toMatchObject({
      subject: "deployer",
      scopes: ["catalog:read", "admin"],
      name: "deploys",
      tier: "standard",
      state: "active",
      prefix: key.slice(0, 12),
    });
    expect(millis(apiKey.expireTime)).toBe(Math.floor(expires.getTime() / 1000) * 1000);
    expect(previous).toMatchObject({ id: old.apiKey.id, state: "active", replacedBy: apiKey.id });
    expect(millis(previous.expireTime)).toBeGreaterThanOrEqual(
      before + DEFAULT_OVERLAP_SECONDS * 1000 - 1000,
    );
    expect(millis(previous.expireTime)).toBeLessThanOrEqual(after + DEFAULT_OVERLAP_SECONDS * 1000);
    // Both work during the overlap.
    expect(await wire.keyStatus(old.key)).toBe(200);
    expect(await wire.keyStatus(key)).toBe(200);
    // The old key was rotated: it is not rotated twice (its replacement is).
    expect(await wire.call("rotateApiKey", { id: old.apiKey.id }, admin())).toMatchObject({
      ok: false,
      code: grpc.status.FAILED_PRECONDITION,
      message: `this key was rotated already (replaced by ${apiKey.id}): rotate its replacement`,
    });

    // Rotating the replacement with no overlap ends it at once, even though it was just used.
    const cut = await wire.rest("POST", `/api/v1/api-keys/${apiKey.id}:rotate`, admin(), {
      overlapSeconds: 0,
    });
    expect(cut.status).toBe(200);
    expect(await wire.keyStatus(key)).toBe(401);
    expect(await wire.keyStatus(String(cut.json.key))).toBe(200);
    expect(cut.json.previous).toMatchObject({ id: apiKey.id, state: "expired" });
    // Rotating the replacement leaves the first key's own overlap as it was.
    expect(await wire.keyStatus(old.key)).toBe(200);
  });

  it("never lengthens a key's life: an overlap longer than the time left keeps the old expiry", async () => {
    const soon = Math.floor(Date.now() / 1000) + 600;
    const old = await create({ subject: "soon", scopes: ["execute"], expireTime: { seconds: String(soon) } });
    const rotated = await wire.call<Rotated>("rotateApiKey", { id: old.apiKey.id }, admin());
    if (!rotated.ok) throw new Error(rotated.message);
    expect(millis(rotated.response.previous.expireTime)).toBe(soon * 1000);
    expect(millis(rotated.response.apiKey.expireTime)).toBe(soon * 1000);
  });

  it("ends the old key when the overlap is over, and a key at its expiry, on the server's clock", async () => {
    const old = await create({ subject: "short-overlap", scopes: ["admin"] });
    expect(await wire.keyStatus(old.key)).toBe(200);
    const rotated = await wire.call<Rotated>(
      "rotateApiKey",
      { id: old.apiKey.id, overlapSeconds: 2 },
      admin(),
    );
    if (!rotated.ok) throw new Error(rotated.message);
    const end = millis(rotated.response.previous.expireTime);
    const expiring = await create({
      subject: "expiring",
      scopes: ["admin"],
      expireTime: { seconds: String(Math.ceil(Date.now() / 1000) + 3) },
    });
    const expiry = millis(expiring.apiKey.expireTime);
    for (const [key, until] of [
      [old.key, end],
      [expiring.key, expiry],
    ] as const) {
      expect(await wire.keyStatus(key)).toBe(200);
      await expect.poll(() => wire.keyStatus(key)).toBe(401);
      // Never before its time (the server's clock is this machine's).
      expect(Date.now()).toBeGreaterThanOrEqual(until);
    }
    expect(await wire.keyStatus(rotated.response.key)).toBe(200);
    const listed = await wire.call<Listed>("listApiKeys", { pageSize: 200 }, admin());
    const states = new Map(listed.ok ? (listed.response.apiKeys ?? []).map((k) => [k.id, k.state]) : []);
    expect(states.get(old.apiKey.id)).toBe("expired");
    expect(states.get(expiring.apiKey.id)).toBe("expired");
  });
});
