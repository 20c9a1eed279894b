import { createHash, randomBytes } from "node:crypto";

const KEY_PREFIX = "pb_";

/** Makes a new random key: `pb_` + 43 base64url characters (256 bits). */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString("base64url");
}

/** The stored hash of a key. Keys carry 256 random bits, so an unsalted SHA-256 is not guessable. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}
