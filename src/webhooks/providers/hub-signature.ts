import { hmac } from "./hmac.ts";
import { timingSafeEqualHex } from "./timing-safe-equal.ts";

const PREFIX = "sha256=";

/**
 * The HMAC-SHA256 of the raw body that an `X-Hub-Signature-256` value ("sha256=" + hex, as GitHub and
 * Meta send it) matches, made with one of the secrets; undefined when none matches.
 */
export function matchHubSignature256(
  header: string,
  body: Uint8Array,
  secrets: readonly string[],
): Buffer | undefined {
  if (!header.startsWith(PREFIX)) return undefined;
  const hex = header.slice(PREFIX.length);
  for (const secret of secrets) {
    const mac = hmac("sha256", secret, body);
    if (timingSafeEqualHex(mac, hex)) return mac;
  }
  return undefined;
}
