import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiKeyAdmin,
  ApiKeyInputError,
  createApiKeyAdmin,
  type KeyAdminCaller,
  type Principal,
} from "../../src/auth/index.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The rules behind ApiKeyService and `patchbay keys` that the service alone cannot show: the service
// lets only admin keys in, and admin holds every scope, so a key without admin is tried here directly.
describe("the key manager's grant rules, on PostgreSQL", () => {
  let t: TestServer;
  let admin: ApiKeyAdmin;
  const principal = (scopes: string[], rateTier = "standard"): KeyAdminCaller => ({
    kind: "key",
    principal: { keyId: "k", tenantId: "tenant-a", subject: "someone", scopes, rateTier } satisfies Principal,
  });
  const codeOf = (error: unknown) => (error instanceof ConnectError ? error.code : error);

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    admin = createApiKeyAdmin({
      em: () => t.server.db.em(),
      keys: t.server.keys,
      knownTiers: ["standard", "bulk"],
      now: () => new Date(),
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("lets a key grant only scopes it holds; admin holds them all", async () => {
    const reader = principal(["catalog:read", "execute"]);
    const narrower = await admin.create(reader, { subject: "s", name: "", scopes: ["execute"] });
    expect(narrower.info).toMatchObject({ tenantId: "tenant-a", scopes: ["execute"] });
    const wider = await admin
      .create(reader, { subject: "s", name: "", scopes: ["execute", "connections"] })
      .catch((e: unknown) => e);
    expect(codeOf(wider)).toBe(Code.PermissionDenied);
    expect((wider as ConnectError).rawMessage).toBe(
      "scopes: a key can grant only scopes it holds (not connections)",
    );
    const escalate = await admin
      .create(reader, { subject: "s", name: "", scopes: ["admin"] })
      .catch((e: unknown) => e);
    expect(codeOf(escalate)).toBe(Code.PermissionDenied);
    const all = await admin.create(principal(["admin"]), {
      subject: "s",
      name: "",
      scopes: ["admin", "webhooks:payload"],
    });
    expect(all.info.scopes).toEqual(["admin", "webhooks:payload"]);
  });

  it("does not let a key rotate a key with scopes it lacks (a rotation issues a new key)", async () => {
    const wide = await admin.create(principal(["admin"]), {
      subject: "wide",
      name: "",
      scopes: ["connections"],
    });
    const rotated = await admin.rotate(principal(["execute"]), wide.info.id).catch((e: unknown) => e);
    expect(codeOf(rotated)).toBe(Code.PermissionDenied);
    // Refused before anything changed: the key can still be rotated by one that may.
    const ok = await admin.rotate(principal(["connections"]), wide.info.id, 0);
    expect(ok.previous.replacedBy).toBe(ok.info.id);
  });

  it("lets a key give its own tier or standard, the operator any configured tier", async () => {
    const bulkKey = principal(["admin"], "bulk");
    expect(
      (await admin.create(bulkKey, { subject: "b", name: "", scopes: ["execute"], tier: "bulk" })).info
        .rateTier,
    ).toBe("bulk");
    const standardKey = principal(["admin"]);
    expect(
      codeOf(
        await admin
          .create(standardKey, { subject: "b", name: "", scopes: ["execute"], tier: "bulk" })
          .catch((e: unknown) => e),
      ),
    ).toBe(Code.PermissionDenied);
    const operator: KeyAdminCaller = { kind: "operator", tenantId: "tenant-a" };
    expect(
      (await admin.create(operator, { subject: "b", name: "", scopes: ["admin"], tier: "bulk" })).info
        .rateTier,
    ).toBe("bulk");
  });

  it("lets a key that expired since it was verified issue nothing", async () => {
    const lapsed: KeyAdminCaller = {
      kind: "key",
      principal: {
        keyId: "k",
        tenantId: "tenant-a",
        subject: "someone",
        scopes: ["admin"],
        rateTier: "standard",
        expiresAt: new Date(Date.now() - 1000),
      },
    };
    const refused = await admin
      .create(lapsed, { subject: "late", name: "", scopes: ["execute"] })
      .catch((e: unknown) => e);
    expect(codeOf(refused)).toBe(Code.Unauthenticated);
    expect((refused as ConnectError).rawMessage).toBe("the calling key has expired");
    const listed = await admin.list({ kind: "operator", tenantId: "tenant-a" }, { size: 200 });
    expect(listed.keys.some((k) => k.subject === "late")).toBe(false);
  });

  it("needs a tenant for a new key, even from the operator", async () => {
    const refused = await admin
      .create({ kind: "operator" }, { subject: "b", name: "", scopes: ["execute"] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiKeyInputError);
    expect((refused as Error).message).toBe("tenant must be 1-128 of [A-Za-z0-9_.:@-]");
  });
});
