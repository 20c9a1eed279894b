/** scheme://, optional userinfo@, host (IPv6 in brackets), optional :port, rest. */
const URL_PARTS = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*@)?([^/?#]*?)(:\d*)?([/?#].*)?$/is;

/**
 * The URL strings a Twilio signature may have been made over: as received, without its port, and
 * with the scheme's default port (Twilio signs the URL as configured, proxies add or drop ports).
 */
export function twilioUrlVariants(url: string): string[] {
  const match = URL_PARTS.exec(url);
  if (!match) return [url];
  const [, scheme = "", userInfo = "", host = "", port, rest = ""] = match;
  const defaultPort = scheme.toLowerCase() === "https://" ? ":443" : ":80";
  const variants = [url, scheme + userInfo + host + rest];
  if (port === undefined) variants.push(scheme + userInfo + host + defaultPort + rest);
  return [...new Set(variants)];
}
