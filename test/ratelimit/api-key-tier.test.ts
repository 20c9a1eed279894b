import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyInputError, createApiKeyStore } from "../../src/auth/index.ts";
import { openBackend, type TestBackend } from "./limited-server.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);

describe("the rate tier of an API key", () => {
  let b: TestBackend;

  beforeAll(async () => {
    b = await openBackend("postgresql");
  });
  afterAll(async () => {
    await b?.close();
  });

  const base = { tenantId: "default", subject: "tester", name: "t", scopes: ["catalog:read"] };

  it("is standard unless chosen, and reaches the principal", async () => {
    const keys = createApiKeyStore(
      () => b.db.em(),
      () => new Date(),
      ["standard", "bulk"],
    );
    const plain = await keys.create(base);
    expect(plain.info.rateTier).toBe("standard");
    expect((await keys.verify(plain.key))?.rateTier).toBe("standard");
    const bulk = await keys.create({ ...base, tier: "bulk" });
    expect(bulk.info.rateTier).toBe("bulk");
    expect((await keys.verify(bulk.key))?.rateTier).toBe("bulk");
    expect((await keys.list()).map((k) => k.rateTier).sort()).toEqual(["bulk", "standard"]);
  });

  it("must be a configured tier when the store knows the tiers", async () => {
    const keys = createApiKeyStore(
      () => b.db.em(),
      () => new Date(),
      ["standard", "bulk"],
    );
    await expect(keys.create({ ...base, tier: "gold" })).rejects.toThrow(
      new ApiKeyInputError("unknown tier 'gold' (tiers: standard, bulk)"),
    );
  });

  it("must be a tier name even when limits are off", async () => {
    const keys = createApiKeyStore(
      () => b.db.em(),
      () => new Date(),
    );
    await expect(keys.create({ ...base, tier: "Gold Tier" })).rejects.toThrow(ApiKeyInputError);
    expect((await keys.create({ ...base, tier: "gold" })).info.rateTier).toBe("gold");
  });
});

describe("patchbay keys create --tier", () => {
  let dataDir: string;
  const cli = (env: Record<string, string>, ...args: string[]) =>
    run(process.execPath, ["bin/patchbay.js", ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", PATCHBAY_DATA_DIR: dataDir, ...env },
    });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-tier-cli-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("stores the tier, lists it, and refuses a tier PATCHBAY_RATE_LIMITS does not define", async () => {
    const env = { PATCHBAY_RATE_LIMITS: "standard=60/1m,partner=600/1m" };
    const created = await cli(
      env,
      "keys",
      "create",
      "--subject",
      "bot",
      "--scope",
      "catalog:read",
      "--tier",
      "partner",
      "--json",
    );
    expect(JSON.parse(created.stdout)).toMatchObject({ rateTier: "partner" });
    expect((await cli(env, "keys", "list")).stdout).toContain("tier=partner");
    const refused = await cli(
      env,
      "keys",
      "create",
      "--subject",
      "bot",
      "--scope",
      "catalog:read",
      "--tier",
      "gold",
    ).catch((e: { stderr: string; code: number }) => e);
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.stderr).toBe("patchbay: unknown tier 'gold' (tiers: standard, partner)\n");
  });
});
