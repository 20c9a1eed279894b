import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grpc } from "../support/grpc-js-client.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import { apiKeyWire, type WireKey } from "./api-key-wire.ts";

type Listed = { apiKeys?: WireKey[]; nextPageToken?: string };

// From the attacker's side: tenant B's admin key against tenant A's keys. An admin key manages its own
// tenant's keys only; another tenant's key answers NOT_FOUND exactly like a key that does not exist, so
// not even its existence shows.
describe("API keys between tenants", () => {
  let t: TestServer;
  const wire = apiKeyWire(() => t);
  const victim = { admin: "", key: "", id: "", prefix: "" };
  let attacker = "";

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    victim.admin = await t.createKey(["admin"], "alice-admin", "tenant-a");
    const created = await wire.call<{ key: string; apiKey: WireKey }>(
      "createApiKey",
      { subject: "billing", scopes: ["catalog:read"] },
      victim.admin,
    );
    if (!created.ok) throw new Error(created.message);
    victim.key = created.response.key;
    victim.id = created.response.apiKey.id;
    victim.prefix = created.response.apiKey.prefix;
    attacker = await t.createKey(["admin"], "mallory-admin", "tenant-b");
  });
  afterAll(async () => {
    wire.close();
    await t?.stop();
  });

  it("does not list another tenant's keys, nor follow its page tokens", async () => {
    const mine = await wire.call<Listed>("listApiKeys", { pageSize: 200 }, attacker);
    if (!mine.ok) throw new Error(mine.message);
    const seen = mine.response.apiKeys ?? [];
    expect(seen.map((k) => k.subject)).toEqual(["mallory-admin"]);
    expect(seen.every((k) => k.tenantId === "tenant-b")).toBe(true);
    const rest = await wire.rest("GET", "/api/v1/api-keys", attacker);
    expect(JSON.stringify(rest.json)).not.toContain(victim.id);
    expect(JSON.stringify(rest.json)).not.toContain(victim.prefix);

    // Tenant A's page token is bound to tenant A.
    await t.createKey(["execute"], "filler", "tenant-a");
    const page = await wire.call<Listed>("listApiKeys", { pageSize: 1 }, victim.admin);
    const token = page.ok ? (page.response.nextPageToken ?? "") : "";
    expect(token).not.toBe("");
    expect(await wire.call("listApiKeys", { pageSize: 1, pageToken: token }, attacker)).toMatchObject({
      ok: false,
      code: grpc.status.INVALID_ARGUMENT,
    });
  });

  it.each([
    ["revokeApiKey", ":revoke"],
    ["rotateApiKey", ":rotate"],
  ])(
    "answers %s on another tenant's key with NOT_FOUND, the same as a key that does not exist",
    async (method, verb) => {
      const nobody = await wire.call(method, { id: randomUUID() }, attacker);
      expect(nobody).toEqual({
        ok: false,
        code: grpc.status.NOT_FOUND,
        message: "no API key with that id or prefix",
      });
      for (const ref of [victim.id, victim.id.toUpperCase(), victim.prefix]) {
        expect(await wire.call(method, { id: ref }, attacker)).toEqual(nobody);
      }
      const restNobody = await wire.rest("POST", `/api/v1/api-keys/${randomUUID()}${verb}`, attacker, {});
      const restVictim = await wire.rest("POST", `/api/v1/api-keys/${victim.id}${verb}`, attacker, {});
      expect(restVictim.status).toBe(404);
      expect(restVictim.json).toEqual(restNobody.json);
      // The victim's key is untouched: it works, is not revoked, expiring or replaced.
      expect(await wire.keyStatus(victim.key)).toBe(200);
      const listed = await wire.call<Listed>("listApiKeys", { pageSize: 200 }, victim.admin);
      const row = listed.ok ? listed.response.apiKeys?.find((k) => k.id === victim.id) : undefined;
      expect(row).toMatchObject({ state: "active" });
      expect(row?.revokeTime).toBeUndefined();
      expect(row?.expireTime).toBeUndefined();
      expect(row?.replacedBy).toBeFalsy();
    },
  );

  it("creates keys only in the caller's tenant: a tenant cannot be named", async () => {
    const smuggled = await wire.rest("POST", "/api/v1/api-keys", attacker, {
      subject: "implant",
      scopes: ["admin"],
      tenantId: "tenant-a",
    });
    expect(smuggled.status).toBe(400);
    const made = await wire.call<{ key: string; apiKey: WireKey }>(
      "createApiKey",
      { subject: "implant", scopes: ["admin"] },
      attacker,
    );
    if (!made.ok) throw new Error(made.message);
    expect(made.response.apiKey.tenantId).toBe("tenant-b");
    // The new key is tenant B's too: it sees nothing of tenant A.
    expect(await wire.call("revokeApiKey", { id: victim.id }, made.response.key)).toMatchObject({
      ok: false,
      code: grpc.status.NOT_FOUND,
    });
    const victimList = await wire.call<Listed>("listApiKeys", { pageSize: 200 }, victim.admin);
    expect(victimList.ok && victimList.response.apiKeys?.some((k) => k.subject === "implant")).toBe(false);
  });

  it("lets tenant A's own admin revoke and rotate the same key (the refusals above were the tenant's doing)", async () => {
    const rotated = await wire.call<{ key: string; previous: WireKey }>(
      "rotateApiKey",
      { id: victim.id, overlapSeconds: 0 },
      victim.admin,
    );
    expect(rotated).toMatchObject({ ok: true, response: { previous: { id: victim.id, state: "expired" } } });
    expect(await wire.keyStatus(victim.key)).toBe(401);
    const fresh = rotated.ok ? rotated.response.key : "";
    expect(await wire.keyStatus(fresh)).toBe(200);
  });
});
