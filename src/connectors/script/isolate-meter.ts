import type ivm from "isolated-vm";
import type { SandboxStats } from "./sandbox-stats.ts";

/** Reads the heaps of a process's isolates, remembering the last answer of each. */
export interface IsolateMeter {
  /**
   * The isolates' count and heaps. Each isolate without a read under way is asked for its heap again;
   * the answers that arrive within `waitMs` count, and an isolate that has not answered (one busy with a
   * long execution) counts with its last answer, or nothing before its first.
   */
  read(isolates: readonly ivm.Isolate[], waitMs: number): Promise<SandboxStats>;
}

interface Heap {
  readonly used: number;
  readonly total: number;
}

/**
 * Measures isolates without ever blocking the process's event loop: the synchronous heap read waits for
 * the isolate's lock, which an execution holds for as long as it runs (a looping script, its whole wall
 * time), and that event loop must keep answering heartbeats. The asynchronous read runs on the isolate's
 * own thread between its tasks. A read that never answers (a poisoned isolate) holds nothing up: that
 * isolate is not asked again while its read is outstanding.
 */
export function createIsolateMeter(): IsolateMeter {
  const last = new WeakMap<ivm.Isolate, Heap>();
  const reading = new WeakSet<ivm.Isolate>();

  function ask(isolate: ivm.Isolate): Promise<void> {
    reading.add(isolate);
    return isolate.getHeapStatistics().then(
      (heap) => {
        reading.delete(isolate);
        last.set(isolate, { used: heap.used_heap_size, total: heap.total_heap_size });
      },
      () => {
        // Disposed while the read waited: it is no longer among the isolates.
        reading.delete(isolate);
      },
    );
  }

  return {
    async read(isolates, waitMs) {
      const asked = isolates.filter((isolate) => !reading.has(isolate) && !isolate.isDisposed).map(ask);
      if (asked.length > 0) {
        let timer: NodeJS.Timeout | undefined;
        const gaveUp = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, waitMs);
          timer.unref();
        });
        await Promise.race([Promise.all(asked), gaveUp]);
        clearTimeout(timer);
      }
      // Some may have been disposed while the reads were under way.
      const alive = isolates.filter((isolate) => !isolate.isDisposed);
      let heapUsedBytes = 0;
      let heapTotalBytes = 0;
      for (const isolate of alive) {
        const heap = last.get(isolate);
        heapUsedBytes += heap?.used ?? 0;
        heapTotalBytes += heap?.total ?? 0;
      }
      return { isolates: alive.length, heapUsedBytes, heapTotalBytes };
    },
  };
}
