import { isIP } from "node:net";

/**
 * True when `url` names this machine (`localhost`, 127.0.0.0/8 or `::1`). The service passes
 * `allowInsecure` for an `http://` endpoint only when this holds, so tokens never cross a network in clear.
 */
export function isLoopbackUrl(url: string): boolean {
  const parsed = URL.parse(url);
  if (parsed === null) return false;
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}
