/** One address range the egress policy refuses unless allow-listed, and why (shown to operators). */
export interface RefusedRange {
  readonly cidr: string;
  readonly reason: string;
}

/**
 * Every range an outbound request may not reach without `PATCHBAY_EGRESS_ALLOW`. The first matching row
 * names the reason, so specific rows (cloud metadata, broadcast) come before the ranges holding them.
 * Documentation, benchmarking and reserved ranges are refused too: nothing legitimate lives there, and
 * refusing is the safe default. IPv4-mapped, -compatible, -translated, NAT64 and 6to4 IPv6 addresses are
 * judged by the IPv4 address they carry (see `embeddedIPv4`), before these rows.
 */
export const REFUSED_RANGES: readonly RefusedRange[] = [
  { cidr: "169.254.169.254/32", reason: "cloud metadata" },
  { cidr: "168.63.129.16/32", reason: "cloud metadata" }, // Azure's wire server, a public address
  { cidr: "fd00:ec2::254/128", reason: "cloud metadata" },
  { cidr: "255.255.255.255/32", reason: "broadcast" },
  { cidr: "0.0.0.0/8", reason: "unspecified" },
  { cidr: "10.0.0.0/8", reason: "private" },
  { cidr: "100.64.0.0/10", reason: "shared address space (CGNAT)" },
  { cidr: "127.0.0.0/8", reason: "loopback" },
  { cidr: "169.254.0.0/16", reason: "link-local" },
  { cidr: "172.16.0.0/12", reason: "private" },
  { cidr: "192.0.0.0/24", reason: "IETF protocol assignments" },
  { cidr: "192.0.2.0/24", reason: "documentation" },
  { cidr: "192.88.99.0/24", reason: "6to4 relay anycast" },
  { cidr: "192.168.0.0/16", reason: "private" },
  { cidr: "198.18.0.0/15", reason: "benchmarking" },
  { cidr: "198.51.100.0/24", reason: "documentation" },
  { cidr: "203.0.113.0/24", reason: "documentation" },
  { cidr: "224.0.0.0/4", reason: "multicast" },
  { cidr: "240.0.0.0/4", reason: "reserved" },
  { cidr: "::/128", reason: "unspecified" },
  { cidr: "::1/128", reason: "loopback" },
  { cidr: "::/96", reason: "IPv4-compatible IPv6 (deprecated)" },
  { cidr: "64:ff9b:1::/48", reason: "local-use NAT64" },
  { cidr: "100::/64", reason: "discard-only" },
  { cidr: "2001::/32", reason: "Teredo" }, // carries an obfuscated IPv4 address
  { cidr: "2001:db8::/32", reason: "documentation" },
  { cidr: "3fff::/20", reason: "documentation" },
  { cidr: "fc00::/7", reason: "unique-local" },
  { cidr: "fe80::/10", reason: "link-local" },
  { cidr: "fec0::/10", reason: "site-local (deprecated)" },
  { cidr: "ff00::/8", reason: "multicast" },
];

/** Host names refused whatever they resolve to: cloud metadata services reached by name. */
export const REFUSED_HOST_NAMES: ReadonlySet<string> = new Set(["metadata.google.internal", "metadata.goog"]);
