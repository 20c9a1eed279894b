import type { LookupFunction } from "node:net";
import type { EgressPolicy } from "./egress-policy.ts";
import { OutboundError } from "./outbound-error.ts";

/** One address a host name resolved to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host name to every address it has (`dns.promises.lookup` with `all: true` by default). */
export type ResolveHost = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/**
 * Resolves a host name once and checks every address against the policy; any refused address refuses
 * the host, so a name cannot mix a public and an internal address. Names on the allow-list skip the
 * address check.
 */
export async function resolveAllowed(
  policy: EgressPolicy,
  resolve: ResolveHost,
  hostname: string,
): Promise<readonly ResolvedAddress[]> {
  let addresses: readonly ResolvedAddress[];
  try {
    addresses = await resolve(hostname);
  } catch (error) {
    throw new OutboundError(
      "NETWORK",
      `Outbound request to ${hostname} failed: the host name did not resolve`,
      {
        cause: error,
      },
    );
  }
  if (addresses.length === 0) {
    throw new OutboundError(
      "NETWORK",
      `Outbound request to ${hostname} failed: the host name has no addresses`,
    );
  }
  if (policy.allowsHostName(hostname)) return addresses;
  for (const { address } of addresses) {
    const verdict = policy.check(hostname, address);
    if (!verdict.allowed) {
      throw new OutboundError(
        "EGRESS_REFUSED",
        `Outbound request to ${hostname} refused: it resolves to ${address} (${verdict.reason}); ` +
          "PATCHBAY_EGRESS_ALLOW can allow it",
      );
    }
  }
  return addresses;
}

/**
 * The `lookup` the HTTP client's sockets use. The socket connects to exactly the addresses this
 * resolved and checked, so DNS cannot answer differently between the check and the connection
 * (rebinding). TLS still verifies and sends SNI for the host name.
 */
export function createPinnedLookup(policy: EgressPolicy, resolve: ResolveHost): LookupFunction {
  return (hostname, options, callback) => {
    resolveAllowed(policy, resolve, hostname).then(
      (resolved) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const addresses = resolved.filter((a) => wanted === undefined || a.family === wanted);
        const first = addresses[0];
        if (first === undefined) {
          callback(
            new OutboundError("NETWORK", `Outbound request to ${hostname} failed: no usable address`),
            "",
          );
        } else if (options.all === true) {
          callback(
            null,
            addresses.map(({ address, family }) => ({ address, family })),
          );
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), ""),
    );
  };
}
