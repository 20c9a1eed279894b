import type { NativeQuery } from "../../db/index.ts";

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
export function createDeliveryCounters(query: NativeQuery, intervalMs = 1000): DeliveryCounters {
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
    for (const [id, p] of batch) {
      await query(
        `update webhook_endpoints set
           duplicate_count = duplicate_count + $2,
           rejected_count = rejected_count + $3,
           last_event_at = case when $4::timestamptz is null then last_event_at
                                else greatest(coalesce(last_event_at, $4::timestamptz), $4::timestamptz) end,
           last_error_code = coalesce($5, last_error_code),
           last_error_at = coalesce($6::timestamptz, last_error_at)
         where id = $1`,
        [id, p.duplicate, p.rejected, p.lastEventAt, p.lastErrorCode, p.lastErrorAt],
      );
    }
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
