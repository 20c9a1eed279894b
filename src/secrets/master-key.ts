import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** What {@link resolveMasterKeys} found or made. */
export interface MasterKeys {
  /** The keys, primary first. */
  readonly keys: readonly Buffer[];
  /** Where they came from, for the start-up log line (never the key itself). */
  readonly source: "environment" | "key-file-created" | "key-file";
  /** The key file path when one is used. */
  readonly file?: string;
}

/** Name of the master key file inside the data folder (embedded mode only). */
export const MASTER_KEY_FILE = "master.key";

/**
 * The master keys: from `PATCHBAY_MASTER_KEY` when given, otherwise (embedded mode) from
 * `<dataDir>/master.key`, created with mode 0600 on first start. Config validation already refuses
 * PostgreSQL without a key, because a key file on one replica's disk cannot serve several replicas.
 */
export async function resolveMasterKeys(configured: readonly string[], dataDir: string): Promise<MasterKeys> {
  if (configured.length > 0) {
    return { keys: configured.map((k) => Buffer.from(k, "base64")), source: "environment" };
  }
  const file = join(dataDir, MASTER_KEY_FILE);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, `${randomBytes(32).toString("base64")}\n`, { flag: "wx", mode: 0o600 });
    return { keys: [await readKeyFile(file)], source: "key-file-created", file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  // Tighten a key file someone loosened; the key is as secret as everything it seals.
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  return { keys: [await readKeyFile(file)], source: "key-file", file };
}

async function readKeyFile(file: string): Promise<Buffer> {
  const key = Buffer.from((await readFile(file, "utf8")).trim(), "base64");
  if (key.length !== 32) throw new Error(`${file} does not hold a base64 key of 32 bytes`);
  return key;
}
