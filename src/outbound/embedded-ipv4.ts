import { isIPv4, isIPv6 } from "node:net";

/** An IPv4 address carried inside an IPv6 one, and the name of the form that carries it. */
export interface EmbeddedIPv4 {
  readonly address: string;
  readonly form: string;
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped), or undefined when it is not one. */
export function ipv6Groups(address: string): number[] | undefined {
  const bare = address.replace(/%.*$/, "");
  if (!isIPv6(bare)) return undefined;
  let text = bare;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted !== undefined) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted.split(".").map(Number);
    text = `${text.slice(0, -dotted.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}

const v4 = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;

/**
 * The IPv4 address an IPv6 address stands for, when it is one of the forms that route to (or translate
 * to) an IPv4 destination: IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), IPv4-translated
 * (`::ffff:0:a.b.c.d`), NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`). The egress policy judges these
 * by the IPv4 address, so `::ffff:127.0.0.1` is loopback.
 */
export function embeddedIPv4(address: string): EmbeddedIPv4 | undefined {
  if (isIPv4(address)) return undefined;
  const g = ipv6Groups(address);
  if (g === undefined) return undefined;
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = g;
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(5) && g5 === 0xffff) return { address: v4(g6, g7), form: "IPv4-mapped IPv6" };
  // `::` and `::1` are IPv6's own unspecified and loopback addresses, judged as IPv6.
  if (zeroTo(6) && (g6 !== 0 || g7 > 1)) return { address: v4(g6, g7), form: "IPv4-compatible IPv6" };
  if (zeroTo(4) && g4 === 0xffff && g5 === 0) return { address: v4(g6, g7), form: "IPv4-translated IPv6" };
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0)
    return { address: v4(g6, g7), form: "NAT64 IPv6" };
  if (g0 === 0x2002 && g1 !== undefined && g2 !== undefined)
    return { address: v4(g1, g2), form: "6to4 IPv6" };
  return undefined;
}
