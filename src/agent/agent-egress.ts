import { BlockList, isIP } from "node:net";
import { parseEgressAllowEntry } from "../outbound/index.ts";

/** Decides what the agent may reach: nothing but its `--allow` entries (deny by default). Pure. */
export interface AgentEgress {
  /** Whether a host name is allowed by a host-name entry for this port (its addresses are then trusted). */
  allowsName(hostname: string, port: number): boolean;
  /** Whether an IP address is inside an allowed address range for this port. */
  allowsAddress(address: string, port: number): boolean;
}

interface PortEntry {
  readonly port: number | undefined;
}

/** Splits `host[:port]`, `a.b.c.d/n[:port]` or `[v6][/n][:port]`; undefined when the port is malformed. */
function splitPort(text: string): { target: string; port: number | undefined } | undefined {
  const trimmed = text.trim();
  const bracket = /^\[([^\]]+)\](\/\d{1,3})?(?::(\d+))?$/.exec(trimmed);
  if (bracket !== null) return withPort(`${bracket[1]}${bracket[2] ?? ""}`, bracket[3]);
  // A bare IPv6 address (with its colons) carries no port; write [fd00::1]:443 for one.
  if ((trimmed.match(/:/g) ?? []).length > 1) return { target: trimmed, port: undefined };
  const colon = trimmed.lastIndexOf(":");
  return colon === -1
    ? { target: trimmed, port: undefined }
    : withPort(trimmed.slice(0, colon), trimmed.slice(colon + 1));
}

function withPort(target: string, port: string | undefined) {
  if (port === undefined) return { target, port: undefined };
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535) return undefined;
  return { target, port: Number(port) };
}

/**
 * Builds the agent's egress policy from `--allow` entries: host names (matched exactly), IP addresses or
 * CIDRs, each with an optional port (`10.0.0.0/8:443`, `ldap.corp.example:8443`, `[fd00::/8]:443`).
 * Throws `TypeError` naming the first malformed entry.
 */
export function createAgentEgress(allow: readonly string[]): AgentEgress {
  const names: (PortEntry & { name: string })[] = [];
  const networks: (PortEntry & { list: BlockList })[] = [];
  for (const text of allow) {
    const split = splitPort(text);
    const entry = split === undefined ? undefined : parseEgressAllowEntry(split.target);
    if (split === undefined || entry === undefined) {
      throw new TypeError(`invalid --allow entry ${JSON.stringify(text)}`);
    }
    if (entry.kind === "host") names.push({ name: entry.name, port: split.port });
    else {
      const list = new BlockList();
      list.addSubnet(entry.address, entry.prefix, entry.family);
      networks.push({ list, port: split.port });
    }
  }
  const portMatches = (entry: PortEntry, port: number) => entry.port === undefined || entry.port === port;
  return {
    allowsName(hostname, port) {
      const name = hostname.toLowerCase().replace(/\.$/, "");
      return names.some((entry) => entry.name === name && portMatches(entry, port));
    },
    allowsAddress(address, port) {
      const bare = address.replace(/^\[(.*)\]$/, "$1").replace(/%.*$/, "");
      const version = isIP(bare);
      if (version === 0) return false;
      const family = version === 4 ? "ipv4" : "ipv6";
      return networks.some((entry) => portMatches(entry, port) && entry.list.check(bare, family));
    },
  };
}
