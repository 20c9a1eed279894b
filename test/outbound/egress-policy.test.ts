import { BlockList, isIP } from "node:net";
import { describe, expect, it } from "vitest";
import { createEgressPolicy, parseEgressAllowEntry, REFUSED_RANGES } from "../../src/outbound/index.ts";

// Every test here evaluates the policy function only: no address is resolved or connected to.
const closed = createEgressPolicy([]);

const refused = (address: string) => {
  const verdict = closed.check(address);
  return verdict.allowed ? undefined : verdict.reason;
};

describe("egress policy: refused by default", () => {
  // One row per refused range (an address inside it) and the reason an operator sees.
  const rows: [address: string, reason: string][] = [
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["::1", "loopback"],
    ["10.0.0.1", "private"],
    ["10.255.255.255", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.254", "private"],
    ["192.168.1.1", "private"],
    ["169.254.1.1", "link-local"],
    ["fe80::1", "link-local"],
    ["febf:ffff::1", "link-local"],
    ["100.64.0.1", "shared address space (CGNAT)"],
    ["100.127.255.254", "shared address space (CGNAT)"],
    ["fc00::1", "unique-local"],
    ["fdff:ffff::1", "unique-local"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["ff02::1", "multicast"],
    ["ff0e::1", "multicast"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["::", "unspecified"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["169.254.169.254", "cloud metadata"],
    ["fd00:ec2::254", "cloud metadata"],
    ["168.63.129.16", "cloud metadata"],
    ["192.0.0.170", "IETF protocol assignments"],
    ["192.0.2.1", "documentation"],
    ["198.51.100.1", "documentation"],
    ["203.0.113.1", "documentation"],
    ["2001:db8::1", "documentation"],
    ["198.18.0.1", "benchmarking"],
    ["198.19.255.254", "benchmarking"],
    ["192.88.99.1", "6to4 relay anycast"],
    ["3fff::1", "documentation"],
    ["fec0::1", "site-local (deprecated)"],
    ["100::1", "discard-only"],
    ["2001::1", "Teredo"],
    ["64:ff9b:1::1", "local-use NAT64"],
    ["::8.8.8.8", "IPv4-compatible IPv6 (deprecated)"],
  ];
  it.each(rows)("refuses %s as %s", (address, reason) => {
    expect(refused(address)).toBe(reason);
  });

  it.each(REFUSED_RANGES.map(({ cidr }) => cidr))("has a row above inside %s", (cidr) => {
    const [network = "", prefix = ""] = cidr.split("/");
    const family = isIP(network) === 4 ? "ipv4" : "ipv6";
    const range = new BlockList();
    range.addSubnet(network, Number(prefix), family);
    expect(rows.some(([address]) => isIP(address) === isIP(network) && range.check(address, family))).toBe(
      true,
    );
  });
});

describe("egress policy: IPv6 forms carrying a refused IPv4 address", () => {
  const rows: [address: string, reason: string][] = [
    ["::ffff:127.0.0.1", "loopback (IPv4-mapped IPv6)"],
    ["::ffff:7f00:1", "loopback (IPv4-mapped IPv6)"],
    ["0:0:0:0:0:ffff:7f00:0001", "loopback (IPv4-mapped IPv6)"],
    ["::ffff:10.0.0.1", "private (IPv4-mapped IPv6)"],
    ["::ffff:192.168.0.1", "private (IPv4-mapped IPv6)"],
    ["::ffff:169.254.169.254", "cloud metadata (IPv4-mapped IPv6)"],
    ["::ffff:a9fe:a9fe", "cloud metadata (IPv4-mapped IPv6)"],
    ["::ffff:100.64.0.1", "shared address space (CGNAT) (IPv4-mapped IPv6)"],
    ["::ffff:0.0.0.0", "unspecified (IPv4-mapped IPv6)"],
    ["::ffff:224.0.0.1", "multicast (IPv4-mapped IPv6)"],
    ["::127.0.0.1", "loopback (IPv4-compatible IPv6)"],
    ["::7f00:1", "loopback (IPv4-compatible IPv6)"],
    ["::169.254.169.254", "cloud metadata (IPv4-compatible IPv6)"],
    ["::ffff:0:127.0.0.1", "loopback (IPv4-translated IPv6)"],
    ["64:ff9b::127.0.0.1", "loopback (NAT64 IPv6)"],
    ["64:ff9b::a00:1", "private (NAT64 IPv6)"],
    ["64:ff9b::169.254.169.254", "cloud metadata (NAT64 IPv6)"],
    ["2002:7f00:1::", "loopback (6to4 IPv6)"],
    ["2002:c0a8:101::1", "private (6to4 IPv6)"],
    ["fe80::1%eth0", "link-local"],
  ];
  it.each(rows)("refuses %s as %s", (address, reason) => {
    expect(refused(address)).toBe(reason);
  });
});

describe("egress policy: public destinations", () => {
  it.each([
    "93.184.216.34",
    "8.8.8.8",
    "1.1.1.1",
    "172.32.0.1",
    "100.128.0.1",
    "2606:4700:4700::1111",
    "2a00:1450:4001::200e",
    "::ffff:93.184.216.34",
    "64:ff9b::8.8.8.8",
    "2002:808:808::1",
  ])("allows %s", (address) => {
    expect(closed.check(address)).toEqual({ allowed: true });
  });

  it("allows a public name before resolution and judges its addresses once resolved", () => {
    expect(closed.check("api.example.com")).toEqual({ allowed: true });
    expect(closed.check("api.example.com", "93.184.216.34")).toEqual({ allowed: true });
    expect(closed.check("api.example.com", "10.1.2.3")).toEqual({ allowed: false, reason: "private" });
  });

  it("refuses cloud metadata host names whatever they resolve to", () => {
    expect(closed.check("metadata.google.internal")).toEqual({
      allowed: false,
      reason: "cloud metadata host name",
    });
    expect(closed.check("METADATA.Google.Internal.").allowed).toBe(false);
    expect(closed.check("metadata.goog", "93.184.216.34").allowed).toBe(false);
  });
});

describe("egress policy: allow-list", () => {
  it("lets a CIDR reach addresses inside it, and only those", () => {
    const policy = createEgressPolicy(["10.20.0.0/16", "fd12:3456::/32"]);
    expect(policy.check("10.20.3.4")).toEqual({ allowed: true });
    expect(policy.check("crm.corp", "10.20.255.1")).toEqual({ allowed: true });
    expect(policy.check("fd12:3456::9")).toEqual({ allowed: true });
    expect(policy.check("10.21.0.1")).toEqual({ allowed: false, reason: "private" });
    expect(policy.check("fd12:3457::9")).toEqual({ allowed: false, reason: "unique-local" });
    expect(policy.check("127.0.0.1").allowed).toBe(false);
  });

  it("treats a bare address as a single-address range and covers its IPv4-mapped form", () => {
    const policy = createEgressPolicy(["127.0.0.1"]);
    expect(policy.check("127.0.0.1")).toEqual({ allowed: true });
    expect(policy.check("::ffff:127.0.0.1")).toEqual({ allowed: true });
    expect(policy.check("127.0.0.2")).toEqual({ allowed: false, reason: "loopback" });
  });

  it("lets an allow-listed host name reach any address it resolves to, and no other name", () => {
    const policy = createEgressPolicy(["crm.internal.example", "metadata.google.internal"]);
    expect(policy.allowsHostName("CRM.internal.example.")).toBe(true);
    expect(policy.check("crm.internal.example", "10.0.0.5")).toEqual({ allowed: true });
    expect(policy.check("metadata.google.internal")).toEqual({ allowed: true });
    expect(policy.allowsHostName("evil.crm.internal.example")).toBe(false);
    expect(policy.check("other.example", "10.0.0.5")).toEqual({ allowed: false, reason: "private" });
  });

  it("refuses to build from an entry that is not a CIDR, address or host name", () => {
    expect(() => createEgressPolicy(["10.0.0.0/33"])).toThrow(TypeError);
    expect(() => createEgressPolicy(["https://crm.example"])).toThrow(TypeError);
  });
});

describe("parseEgressAllowEntry", () => {
  it.each([
    ["10.0.0.0/8", { kind: "network", address: "10.0.0.0", prefix: 8, family: "ipv4" }],
    ["127.0.0.1", { kind: "network", address: "127.0.0.1", prefix: 32, family: "ipv4" }],
    ["fd00::/8", { kind: "network", address: "fd00::", prefix: 8, family: "ipv6" }],
    ["[::1]", { kind: "network", address: "::1", prefix: 128, family: "ipv6" }],
    ["CRM.Example.", { kind: "host", name: "crm.example" }],
    ["localhost", { kind: "host", name: "localhost" }],
  ])("reads %s", (text, entry) => {
    expect(parseEgressAllowEntry(text)).toEqual(entry);
  });

  it.each([
    "",
    "10.0.0.0/33",
    "10.0.0.0/x",
    "::1/129",
    "300.1.1.1",
    "crm.example:8080",
    "*.example.com",
    "a b",
  ])("refuses %j", (text) => {
    expect(parseEgressAllowEntry(text)).toBeUndefined();
  });
});
