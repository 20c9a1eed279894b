import { LRUCache } from "lru-cache";
import {
  createExternalConnectorClient,
  type ExternalConnectorClient,
  type ExternalProtocol,
} from "../connectors/external/index.ts";
import type { EgressGuard } from "../outbound/index.ts";

/** An external connector client as the cache lends it: its owner, the cache, closes it. */
export type LentClient = Omit<ExternalConnectorClient, "close">;

/** Clients for external connectors, one per endpoint and protocol, so connections are reused. */
export interface ExternalClients {
  /** The egress policy the clients connect under (the server's outbound client's guard). */
  readonly guard: EgressGuard;
  /** The endpoint's client; once the set is closed, a closed one (its calls fail as `CANCELED`). */
  get(endpointUrl: string, protocol: ExternalProtocol): LentClient;
  /**
   * Closes every client at once, those still lent to calls in flight included (the calls end as
   * `CANCELED` failures): the server stops, nothing of them may outlive it.
   */
  close(): void;
}

/** Options for {@link createExternalClients}. */
export interface ExternalClientsOptions {
  /** Most endpoints with a client at once; the least recently used is closed past it. 256 by default. */
  max?: number;
}

/** A cached client, the client lent out (it counts its calls), and whether the cache dropped it. */
interface Entry {
  readonly client: ExternalConnectorClient;
  readonly lent: LentClient;
  running: number;
  dropped: boolean;
}

/**
 * The server's external connector clients, connecting under `guard`: the least recently used is dropped
 * past `max` endpoints. A dropped client is closed gracefully rather than aborted: when its last call in
 * flight returns (each is bounded by its time budget), or at once when none is, so that a call is never
 * cut because another endpoint needed the room. `close()` (the server stops) does not wait.
 */
export function createExternalClients(
  guard: EgressGuard,
  options: ExternalClientsOptions = {},
): ExternalClients {
  let closed = false;
  // Dropped clients still lent to calls in flight, closed when the last returns (or by close()).
  const draining = new Set<Entry>();
  const drop = (entry: Entry) => {
    entry.dropped = true;
    if (closed || entry.running === 0) entry.client.close();
    else draining.add(entry);
  };
  const cache = new LRUCache<string, Entry>({ max: options.max ?? 256, dispose: drop });

  const counted = <T>(entry: Entry, call: () => Promise<T>): Promise<T> => {
    entry.running++;
    return call().finally(() => {
      entry.running--;
      if (entry.dropped && entry.running === 0) {
        draining.delete(entry);
        entry.client.close();
      }
    });
  };
  const entryOf = (client: ExternalConnectorClient): Entry => {
    const entry: Entry = {
      client,
      running: 0,
      dropped: false,
      lent: {
        describe: (signal) => counted(entry, () => client.describe(signal)),
        health: (signal) => counted(entry, () => client.health(signal)),
        execute: (request, signal) => counted(entry, () => client.execute(request, signal)),
      },
    };
    return entry;
  };

  return {
    guard,
    get(endpointUrl, protocol) {
      const key = `${protocol} ${endpointUrl}`;
      let entry = cache.get(key);
      if (entry === undefined) {
        const client = createExternalConnectorClient({
          endpointUrl,
          protocol,
          fetch: guard.fetch,
          lookup: guard.lookup,
        });
        // After close() a straggler gets a closed client: it must not connect and then stay open.
        if (closed) {
          client.close();
          return client;
        }
        entry = entryOf(client);
        cache.set(key, entry);
      }
      return entry.lent;
    },
    close() {
      closed = true;
      cache.clear();
      for (const entry of draining) entry.client.close();
      draining.clear();
    },
  };
}
