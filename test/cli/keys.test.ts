import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeyWire, type WireKey } from "../auth/api-key-wire.ts";
import { grpc } from "../support/grpc-js-client.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import { patchbay } from "./run-patchbay.ts";

interface KeyJson {
  key?: string;
  id: string;
  tenantId: string;
  subject: string;
  name: string;
  prefix: string;
  scopes: string[];
  rateTier: string;
  expiresAt: string | null;
  revokedAt: string | null;
  replacedBy: string | null;
  agentPool: string | null;
  previous?: KeyJson;
}

// `patchbay keys` runs the same key manager as ApiKeyService, straight on the server's database: what one
// does, the other sees, and a running server refuses what the command revoked or rotated away.
describe("patchbay keys against a running server on PostgreSQL", () => {
  let t: TestServer;
  let env: Record<string, string>;
  const wire = apiKeyWire(() => t);
  const cli = (...args: string[]) => patchbay(args, env);
  const json = async (...args: string[]) => {
    const run = await cli(...args, "--json");
    if (run.code !== 0) throw new Error(`patchbay ${args.join(" ")}: ${run.stderr}`);
    return JSON.parse(run.stdout) as KeyJson;
  };

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    env = { DATABASE_URL: t.env.DATABASE_URL ?? "", PATCHBAY_MASTER_KEY: t.env.PATCHBAY_MASTER_KEY ?? "" };
  });
  afterAll(async () => {
    wire.close();
    await t?.stop();
  });

  it("creates a key that works at once, printed once on standard output", async () => {
    const run = await cli("keys", "create", "--subject", "ci", "--scope", "admin", "--name", "ci deploys");
    expect(run.code).toBe(0);
    const key = run.stdout.trim();
    expect(run.stdout).toMatch(/^pb_[\w-]{43}\n$/);
    expect(run.stderr).toContain(`created ${key.slice(0, 12)}…`);
    expect(run.stderr).toContain('subject=ci  scopes=admin  tier=standard  active  name="ci deploys"');
    expect(run.stderr).toContain("The key is shown only this once.");
    expect(await wire.keyStatus(key)).toBe(200);
    // Listed by the service like any other key of the tenant.
    const listed = await wire.call<{ apiKeys?: WireKey[] }>("listApiKeys", { pageSize: 200 }, key);
    expect(listed.ok && listed.response.apiKeys?.find((k) => k.subject === "ci")).toMatchObject({
      name: "ci deploys",
      prefix: key.slice(0, 12),
    });
  });

  it("creates a key that expires (--expires), for a tenant (--tenant), and lists by tenant without any secret", async () => {
    const before = Date.now();
    const made = await json(
      "keys",
      "create",
      "--subject",
      "contractor",
      "--scope",
      "execute",
      "--tenant",
      "acme",
      "--expires",
      "30d",
    );
    expect(made).toMatchObject({
      tenantId: "acme",
      subject: "contractor",
      scopes: ["execute"],
      revokedAt: null,
    });
    const expires = Date.parse(String(made.expiresAt));
    expect(expires).toBeGreaterThanOrEqual(before + 30 * 86_400_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 30 * 86_400_000);

    const acme = await cli("keys", "list", "--tenant", "acme");
    expect(acme.code).toBe(0);
    expect(acme.stdout.trim().split("\n")).toHaveLength(1);
    expect(acme.stdout).toContain(`${made.prefix}…  id=${made.id}  tenant=acme  subject=contractor`);
    expect(acme.stdout).toContain(`active until ${made.expiresAt}`);
    expect(acme.stdout).not.toContain(String(made.key));
    const all = await cli("keys", "list", "--json");
    const keys = JSON.parse(all.stdout) as KeyJson[];
    expect(keys.map((k) => k.tenantId)).toEqual(expect.arrayContaining(["acme", "default"]));
    expect(all.stdout).not.toContain(String(made.key));
    expect(keys.every((k) => !("keyHash" in k) && !("key" in k))).toBe(true);
    expect((await cli("keys", "list", "--tenant", "nobody")).stdout).toBe("no keys\n");
  });

  it("creates an agent key bound to its pool (--agent-pool), shown by the service and the list", async () => {
    const created = await json(
      "keys",
      "create",
      "--subject",
      "dc-agent",
      "--scope",
      "agent",
      "--agent-pool",
      "dc-1",
    );
    expect(created).toMatchObject({ scopes: ["agent"], agentPool: "dc-1" });
    const listed = await wire.call<{ apiKeys?: WireKey[] }>("listApiKeys", { pageSize: 200 }, t.adminKey);
    expect(listed.ok && listed.response.apiKeys?.find((k) => k.id === created.id)?.agentPool).toBe("dc-1");
    const text = await cli("keys", "list");
    expect(text.stdout).toContain("agent-pool=dc-1");
    const missing = await cli("keys", "create", "--subject", "dc-agent", "--scope", "agent");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("agent_pool is required with scope 'agent'");
  });

  it("refuses bad input with the service's own messages (status 1)", async () => {
    for (const [args, line] of [
      [["--subject", "x", "--scope", "everything"], "scopes has unknown scope(s): everything"],
      [
        ["--subject", "x", "--scope", "admin", "--expires", "2000-01-01T00:00:00Z"],
        "expire_time must be in the future",
      ],
      [
        ["--subject", "x", "--scope", "admin", "--name", "n".repeat(101)],
        "name must be at most 100 characters",
      ],
      [["--subject", "x", "--scope", "admin", "--tenant", "a b"], "tenant must be 1-128 of [A-Za-z0-9_.:@-]"],
    ] as const) {
      expect(await cli("keys", "create", ...args)).toEqual({
        code: 1,
        stdout: "",
        stderr: `patchbay: ${line}\n`,
      });
    }
    expect(await cli("keys", "revoke", randomUUID())).toEqual({
      code: 1,
      stdout: "",
      stderr: "patchbay: no API key with that id or prefix\n",
    });
  });

  it("rotates with --overlap: the server keeps the old key for the overlap, or refuses it once it is 0", async () => {
    const old = await json(
      "keys",
      "create",
      "--subject",
      "deployer",
      "--scope",
      "admin",
      "--name",
      "deploys",
    );
    const oldKey = String(old.key);
    expect(await wire.keyStatus(oldKey)).toBe(200);

    const overlapping = await json("keys", "rotate", old.prefix, "--overlap", "3600");
    expect(overlapping).toMatchObject({
      subject: "deployer",
      scopes: ["admin"],
      name: "deploys",
      tenantId: "default",
    });
    expect(overlapping.previous).toMatchObject({ id: old.id, replacedBy: overlapping.id });
    expect(Date.parse(String(overlapping.previous?.expiresAt)) - Date.now()).toBeGreaterThan(3_000_000);
    expect(await wire.keyStatus(oldKey)).toBe(200);
    expect(await wire.keyStatus(String(overlapping.key))).toBe(200);

    // The service refuses a second rotation of the same key with the very words the command uses.
    const again = await cli("keys", "rotate", old.id);
    expect(again.code).toBe(1);
    const viaService = await wire.call("rotateApiKey", { id: old.id }, t.adminKey);
    expect(viaService).toMatchObject({ ok: false, code: grpc.status.FAILED_PRECONDITION });
    expect(again.stderr).toBe(`patchbay: ${viaService.ok ? "" : viaService.message}\n`);

    // Human output: the new key on standard output, the old one's end on standard error.
    const cut = await cli("keys", "rotate", String(overlapping.id), "--overlap", "0");
    expect(cut.code).toBe(0);
    const newest = cut.stdout.trim();
    expect(cut.stdout).toMatch(/^pb_[\w-]{43}\n$/);
    expect(cut.stderr).toContain(`replaces ${String(overlapping.prefix)}…`);
    expect(cut.stderr).toContain("The new key is shown only this once; the old key works until ");
    await expect.poll(() => wire.keyStatus(String(overlapping.key))).toBe(401);
    expect(await wire.keyStatus(newest)).toBe(200);
    expect(await wire.keyStatus(oldKey)).toBe(200); // its own overlap still runs
  });

  it("revokes by id or prefix; the server refuses the key, and the service shows it revoked", async () => {
    const made = await json("keys", "create", "--subject", "leaver", "--scope", "admin");
    expect(await wire.keyStatus(String(made.key))).toBe(200);
    // --tenant narrows: the key is not another tenant's.
    expect(await cli("keys", "revoke", made.id, "--tenant", "acme")).toMatchObject({ code: 1 });
    expect(await wire.keyStatus(String(made.key))).toBe(200);
    const revoked = await cli("keys", "revoke", made.prefix);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(
      new RegExp(`^revoked ${made.prefix}…  id=${made.id} .* revoked \\S+Z  name="unnamed"\\n$`),
    );
    await expect.poll(() => wire.keyStatus(String(made.key))).toBe(401);
    const listed = await wire.call<{ apiKeys?: WireKey[] }>("listApiKeys", { pageSize: 200 }, t.adminKey);
    expect(listed.ok && listed.response.apiKeys?.find((k) => k.id === made.id)?.state).toBe("revoked");
  });
});
