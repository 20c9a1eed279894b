import { BlockList, isIP } from "node:net";
import { type EgressAllowEntry, normalizeHostName, parseEgressAllowEntry } from "./egress-allow-entry.ts";
import { embeddedIPv4 } from "./embedded-ipv4.ts";
import { REFUSED_HOST_NAMES, REFUSED_RANGES } from "./refused-ranges.ts";

/** The policy's answer for one destination. */
export type EgressVerdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/** Decides which destinations outbound requests may reach. Pure: it never resolves or connects. */
export interface EgressPolicy {
  /**
   * Judges a destination: the URL's host name and, once resolved, one address it resolved to. Without
   * an address, an IP-literal host is judged as that address and any other name is judged by name only.
   */
  check(hostname: string, address?: string): EgressVerdict;
  /** Whether the host name itself is allow-listed (every address it resolves to is then allowed). */
  allowsHostName(hostname: string): boolean;
}

const familyOf = (address: string) => (isIP(address) === 4 ? "ipv4" : "ipv6");

const REFUSED_TABLE = REFUSED_RANGES.map(({ cidr, reason }) => {
  const entry = parseEgressAllowEntry(cidr);
  if (entry?.kind !== "network") throw new TypeError(`bad refused range ${cidr}`);
  const list = new BlockList();
  list.addSubnet(entry.address, entry.prefix, entry.family);
  return { list, reason };
});

/** The reason the built-in table refuses an IP address, or undefined when it allows it. */
export function refusedReason(address: string): string | undefined {
  const bare = address.replace(/%.*$/, "");
  if (isIP(bare) === 0) return "not an IP address";
  const embedded = embeddedIPv4(bare);
  if (embedded !== undefined) {
    const inner = refusedReason(embedded.address);
    if (inner !== undefined) return `${inner} (${embedded.form})`;
  }
  const family = familyOf(bare);
  return REFUSED_TABLE.find(({ list }) => list.check(bare, family))?.reason;
}

/**
 * Builds the egress policy from `PATCHBAY_EGRESS_ALLOW` entries (CIDRs, addresses, host names). The
 * built-in table refuses internal, metadata and special-purpose addresses; the allow-list is the only
 * way past it. A CIDR entry also covers the IPv4-mapped IPv6 form of its addresses.
 */
export function createEgressPolicy(allow: readonly string[]): EgressPolicy {
  const networks = new BlockList();
  const hostNames = new Set<string>();
  for (const text of allow) {
    const entry: EgressAllowEntry | undefined = parseEgressAllowEntry(text);
    if (entry === undefined) throw new TypeError(`invalid egress allow-list entry ${JSON.stringify(text)}`);
    if (entry.kind === "host") hostNames.add(entry.name);
    else networks.addSubnet(entry.address, entry.prefix, entry.family);
  }
  const allowsHostName = (hostname: string) => hostNames.has(normalizeHostName(hostname));
  return {
    allowsHostName,
    check(hostname, address) {
      const name = normalizeHostName(hostname);
      if (hostNames.has(name)) return { allowed: true };
      if (REFUSED_HOST_NAMES.has(name)) return { allowed: false, reason: "cloud metadata host name" };
      const target = (address ?? name).replace(/%.*$/, "");
      if (isIP(target) === 0)
        return address === undefined ? { allowed: true } : { allowed: false, reason: "not an IP address" };
      if (networks.check(target, familyOf(target))) return { allowed: true };
      const reason = refusedReason(target);
      return reason === undefined ? { allowed: true } : { allowed: false, reason };
    },
  };
}
