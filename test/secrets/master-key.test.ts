import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MASTER_KEY_FILE, resolveMasterKeys } from "../../src/secrets/master-key.ts";
import { createSecretBox } from "../../src/secrets/secret-box.ts";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "patchbay-master-key-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

describe("resolveMasterKeys", () => {
  it("creates a 32-byte key file readable only by its owner when no key is configured", async () => {
    const result = await resolveMasterKeys([], dir);
    const file = join(dir, MASTER_KEY_FILE);
    expect(result.source).toBe("key-file-created");
    expect(result.file).toBe(file);
    expect(result.keys).toHaveLength(1);
    expect(result.keys[0]?.length).toBe(32);
    expect(await modeOf(file)).toBe(0o600);
    const stored = Buffer.from((await readFile(file, "utf8")).trim(), "base64");
    expect(result.keys[0]?.equals(stored)).toBe(true);
  });

  it("creates the data folder when it does not exist yet", async () => {
    const nested = join(dir, "a", "b");
    const result = await resolveMasterKeys([], nested);
    expect(result.source).toBe("key-file-created");
    expect(await readdir(nested)).toEqual([MASTER_KEY_FILE]);
  });

  it("reads the same key from the file on the next start", async () => {
    const first = await resolveMasterKeys([], dir);
    const second = await resolveMasterKeys([], dir);
    expect(second.source).toBe("key-file");
    expect(second.file).toBe(join(dir, MASTER_KEY_FILE));
    expect(second.keys).toHaveLength(1);
    expect(second.keys[0]?.equals(first.keys[0] ?? Buffer.alloc(0))).toBe(true);
  });

  it("makes a key that opens what was sealed before a restart", async () => {
    const first = await resolveMasterKeys([], dir);
    const sealed = createSecretBox(first.keys).seal("oauth refresh token", "ctx");
    const second = await resolveMasterKeys([], dir);
    expect(createSecretBox(second.keys).openText(sealed, "ctx")).toBe("oauth refresh token");
  });

  it("makes a different key in each new data folder", async () => {
    const other = await mkdtemp(join(tmpdir(), "patchbay-master-key-"));
    try {
      const a = await resolveMasterKeys([], dir);
      const b = await resolveMasterKeys([], other);
      expect(a.keys[0]?.equals(b.keys[0] ?? Buffer.alloc(0))).toBe(false);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("tightens a key file that others can read to 0600", async () => {
    const created = await resolveMasterKeys([], dir);
    const file = join(dir, MASTER_KEY_FILE);
    await chmod(file, 0o644);
    const again = await resolveMasterKeys([], dir);
    expect(await modeOf(file)).toBe(0o600);
    expect(again.keys[0]?.equals(created.keys[0] ?? Buffer.alloc(0))).toBe(true);
  });

  it("uses configured keys in order and creates no file", async () => {
    const k1 = Buffer.alloc(32, 1);
    const k2 = Buffer.alloc(32, 2);
    const result = await resolveMasterKeys([k1.toString("base64"), k2.toString("base64")], dir);
    expect(result.source).toBe("environment");
    expect(result.file).toBeUndefined();
    expect(result.keys.map((k) => k.toString("hex"))).toEqual([k1.toString("hex"), k2.toString("hex")]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("prefers configured keys over an existing key file", async () => {
    await resolveMasterKeys([], dir);
    const k1 = Buffer.alloc(32, 1);
    const result = await resolveMasterKeys([k1.toString("base64")], dir);
    expect(result.source).toBe("environment");
    expect(result.keys[0]?.equals(k1)).toBe(true);
  });

  it.each([
    ["not base64 of 32 bytes", "not a key\n"],
    ["a 16-byte key", `${Buffer.alloc(16, 1).toString("base64")}\n`],
    ["empty", ""],
  ])("refuses a corrupt key file (%s)", async (_name, content) => {
    await writeFile(join(dir, MASTER_KEY_FILE), content, { mode: 0o600 });
    await expect(resolveMasterKeys([], dir)).rejects.toThrow("does not hold a base64 key of 32 bytes");
  });
});
