import { hmac } from "./hmac.ts";
import { timingSafeEqualHex } from "./timing-safe-equal.ts";

const PREFIX = "sha256=";

/**
 * Whether an `X-Hub-Signature-256` value ("sha256=" + hex HMAC-SHA256 of the raw body), as GitHub
 * and Meta send it, was made with one of the secrets.
 */
export function matchesHubSignature256(
  header: string,
  body: Uint8Array,
  secrets: readonly string[],
): boolean {
  if (!header.startsWith(PREFIX)) return false;
  const hex = header.slice(PREFIX.length);
  return secrets.some((secret) => timingSafeEqualHex(hmac("sha256", secret, body), hex));
}
