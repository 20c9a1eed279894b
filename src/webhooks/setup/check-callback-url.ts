import { isIP } from "node:net";
import { refusedReason } from "../../outbound/index.ts";

/** Host names that never reach a provider: this machine, or names only a local network resolves. */
const LOCAL_NAME = /^(localhost|.*\.localhost|.*\.local|.*\.internal|.*\.lan|.*\.home\.arpa)$/i;

/**
 * Why a provider could not deliver to `url` (the endpoint URL built from PATCHBAY_PUBLIC_URL), or
 * undefined when it looks reachable: plain http, localhost and private or special addresses are refused,
 * with a message naming PATCHBAY_PUBLIC_URL. `allowInsecure` (development against a tunnel or a fake
 * provider on loopback) lets them through.
 */
export function checkCallbackUrl(url: string, allowInsecure: boolean): string | undefined {
  if (allowInsecure) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "PATCHBAY_PUBLIC_URL does not make a valid URL";
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  const advice = "set PATCHBAY_PUBLIC_URL to the public https address providers reach this server at";
  if (parsed.protocol !== "https:") {
    return `the webhook URL must use https, but PATCHBAY_PUBLIC_URL is ${parsed.origin}: ${advice}`;
  }
  if (LOCAL_NAME.test(host)) {
    return `providers cannot reach ${host} (PATCHBAY_PUBLIC_URL is ${parsed.origin}): ${advice}`;
  }
  if (isIP(host) !== 0) {
    const reason = refusedReason(host);
    if (reason !== undefined) {
      return `providers cannot reach ${host}, a ${reason} address (PATCHBAY_PUBLIC_URL is ${parsed.origin}): ${advice}`;
    }
  }
  return undefined;
}
