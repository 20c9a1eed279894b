import { isIP } from "node:net";

/** One parsed `PATCHBAY_EGRESS_ALLOW` entry: an address range or an exact host name. */
export type EgressAllowEntry =
  | {
      readonly kind: "network";
      readonly address: string;
      readonly prefix: number;
      readonly family: "ipv4" | "ipv6";
    }
  | { readonly kind: "host"; readonly name: string };

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Parses one allow-list entry: a CIDR (`10.0.0.0/8`, `fd00::/8`), a bare IP address (one address), or
 * a host name matched exactly, case-insensitively. Undefined when it is none of these.
 */
export function parseEgressAllowEntry(entry: string): EgressAllowEntry | undefined {
  const text = entry.trim().toLowerCase();
  const slash = text.indexOf("/");
  const address = (slash === -1 ? text : text.slice(0, slash)).replace(/^\[(.*)\]$/, "$1");
  const version = isIP(address);
  if (version !== 0) {
    const max = version === 4 ? 32 : 128;
    const prefixText = slash === -1 ? String(max) : text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
    return { kind: "network", address, prefix: Number(prefixText), family: version === 4 ? "ipv4" : "ipv6" };
  }
  const name = normalizeHostName(text);
  const labels = name.split(".");
  // A name whose last label is numeric would be read as an IPv4 address by URL parsers (`300.1.1.1`).
  if (name.length > 253 || !labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels.at(-1) ?? "")) {
    return undefined;
  }
  return { kind: "host", name };
}

/** A host name as the policy compares it: lower case, no trailing dot, no IPv6 brackets. */
export function normalizeHostName(hostname: string): string {
  return hostname
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "");
}
