import type { EndpointStore } from "../endpoints/endpoint-store.ts";

interface Pending {
  duplicate: number;
  rejected: number;
  lastEventAt: Date | null;
  lastErrorCode: string | null;
  lastErrorAt: Date | null;
}

/** Per-endpoint counters, added up in memory and written once a second (see {@link createDeliveryCounters}). */
export interface DeliveryCounters {
  accepted(endpointId: string, at: Date): void;
  duplicate(endpointId: string): void;
  rejected(endpointId: string, code: string, at: Date): void;
  /** Writes what is pending now; reads that must see every delivery so far call it first. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Delivery counters without a hot row: a hundred deliveries a second to one endpoint would otherwise
 * queue on that endpoint's row lock inside the receiving transactions. Accepted events are counted from
 * the events table; duplicates, rejections and the last event / error times are summed here and written
 * as one UPDATE per endpoint per second.
 */
export function createDeliveryCounters(store: EndpointStore, intervalMs = 1000): DeliveryCounters {
  let pending = new Map<string, Pending>();
  let writing: Promise<void> = Promise.resolve();

  const entry = (endpointId: string): Pending => {
    let found = pending.get(endpointId);
    if (found === undefined) {
      found = { duplicate: 0, rejected: 0, lastEventAt: null, lastErrorCode: null, lastErrorAt: null };
      pending.set(endpointId, found);
    }
    return found;
  };

  async function write(batch: Map<string, Pending>): Promise<void> {
    for (const [id, counts] of batch) await store.addCounts(id, counts);
  }

  function flush(): Promise<void> {
    if (pending.size > 0) {
      const batch = pending;
      pending = new Map();
      // One write at a time, in order; a failed write is dropped (counters are advisory), not retried forever.
      writing = writing.then(() => write(batch)).catch(() => undefined);
    }
    return writing;
  }

  const timer = setInterval(() => void flush(), intervalMs);
  timer.unref();

  return {
    accepted(endpointId, at) {
      const p = entry(endpointId);
      if (p.lastEventAt === null || at > p.lastEventAt) p.lastEventAt = at;
    },
    duplicate(endpointId) {
      entry(endpointId).duplicate++;
    },
    rejected(endpointId, code, at) {
      const p = entry(endpointId);
      p.rejected++;
      p.lastErrorCode = code;
      p.lastErrorAt = at;
    },
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
