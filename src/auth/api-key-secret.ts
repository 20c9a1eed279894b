import { hash, randomBytes } from "node:crypto";

const KEY_PREFIX = "pb_";

/** Makes a new random key: `pb_` + 43 base64url characters (256 bits). */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString("base64url");
}

/**
 * The stored hash of a key. Keys carry 256 random bits, so an unsalted SHA-256 is not guessable. Every
 * call hashes its key: the one-shot `hash` costs a quarter of a Hash object's update and digest.
 */
export function hashApiKey(key: string): string {
  return hash("sha256", key, "hex");
}
