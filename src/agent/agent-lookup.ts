import type { LookupFunction } from "node:net";
import type { ResolveHost } from "../outbound/index.ts";
import type { AgentEgress } from "./agent-egress.ts";
import { AgentEgressError } from "./agent-egress-error.ts";

/**
 * The socket `lookup` for connections to one port: resolves the name once and connects only to the
 * addresses it checked, so DNS cannot answer differently between the check and the connection. A name
 * on the allow-list (for this port) is trusted with every address; any other name needs every address
 * inside an allowed range.
 */
export function createAgentLookup(egress: AgentEgress, port: number, resolve: ResolveHost): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (resolved) => {
        const refused = egress.allowsName(hostname, port)
          ? undefined
          : resolved.find(({ address }) => !egress.allowsAddress(address, port));
        if (refused !== undefined) {
          callback(new AgentEgressError(`${hostname}:${port} resolves to an address outside --allow`), "");
          return;
        }
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const addresses = resolved.filter((a) => wanted === undefined || a.family === wanted);
        const first = addresses[0];
        if (first === undefined) callback(new Error(`${hostname} has no usable address`), "");
        else if (options.all === true)
          callback(
            null,
            addresses.map(({ address, family }) => ({ address, family })),
          );
        else callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), ""),
    );
  };
}
