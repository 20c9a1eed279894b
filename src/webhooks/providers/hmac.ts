import { createHmac } from "node:crypto";

/** HMAC of the parts concatenated as bytes (strings as UTF-8), so a raw body is never decoded first. */
export function hmac(
  algorithm: "sha1" | "sha256",
  key: string | Uint8Array,
  ...parts: readonly (string | Uint8Array)[]
): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}
