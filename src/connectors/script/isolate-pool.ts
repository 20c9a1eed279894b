import ivm from "isolated-vm";
import type { HostBridge } from "./host-bridge.ts";
import { BOOTSTRAP_FILENAME, CONTEXT_BOOTSTRAP } from "./sandbox-bootstrap.ts";

/** One warm isolate: its context, the bootstrap's functions, and the script factories compiled in it. */
export interface PooledIsolate {
  readonly isolate: ivm.Isolate;
  readonly context: ivm.Context;
  /** `runOne(factory, token, input, name, resultChars)` in the isolate. */
  readonly runOne: ivm.Reference<(...args: unknown[]) => unknown>;
  /** `checkBody(source)` in the isolate. */
  readonly checkBody: ivm.Reference<(source: string) => boolean>;
  /** Compiled factories by source, oldest first. */
  readonly factories: Map<string, ivm.Reference<(...args: unknown[]) => unknown>>;
  /** Set when isolated-vm reported a catastrophic error: the isolate can never be used or disposed. */
  poisoned: boolean;
  /** Executions run on it so far. */
  runs: number;
  /**
   * The running execution's bridge and token: the isolate's host functions serve calls carrying this
   * token only. Set by {@link PooledIsolate.begin}, cleared by {@link PooledIsolate.end}.
   */
  begin(bridge: HostBridge): number;
  end(): void;
}

/** Options of {@link createIsolatePool}. */
export interface IsolatePoolOptions {
  memoryMb: number;
  /** Most isolates at once (each runs one execution at a time). */
  size: number;
  logChars: number;
  onCatastrophicError?: (message: string) => void;
}

/** Warm isolates, handed out one execution at a time. */
export interface IsolatePool {
  acquire(): Promise<PooledIsolate>;
  /** Returns an isolate; `healthy: false` (a limit was hit, it was aborted) disposes and replaces it. */
  release(slot: PooledIsolate, healthy: boolean): void;
  /** Disposes every idle isolate. */
  close(): void;
}

/** An isolate is recycled after this many executions, bounding what V8 keeps between them. */
const MAX_RUNS = 5_000;
/** … or when its heap holds more than this share of the limit after an execution. */
const MAX_HEAP_SHARE = 0.5;
/** The heap share is checked every this many executions (and the isolate's memory limit always holds). */
const HEAP_CHECK_EVERY = 8;
/** Compiled scripts kept per isolate. */
const MAX_FACTORIES = 64;

/**
 * A pool of isolates with a hardened context each (frozen intrinsics and global object, see
 * CONTEXT_BOOTSTRAP). Creating an isolate and freezing its intrinsics costs milliseconds; an execution on
 * a warm one costs a function call. An isolate that hit a limit is disposed and replaced, and every
 * isolate is recycled after {@link MAX_RUNS} executions or when its heap grew past half its limit.
 */
export function createIsolatePool(options: IsolatePoolOptions): IsolatePool {
  const idle: PooledIsolate[] = [];
  const waiting: ((slot: PooledIsolate) => void)[] = [];
  let live = 0;

  async function open(): Promise<PooledIsolate> {
    const holder: { slot?: PooledIsolate } = {};
    const isolate = new ivm.Isolate({
      memoryLimit: options.memoryMb,
      onCatastrophicError: (message) => {
        if (holder.slot) holder.slot.poisoned = true;
        options.onCatastrophicError?.(message);
      },
    });
    try {
      const context = await isolate.createContext();
      const router = createRouter();
      const pair = await context.evalClosure(CONTEXT_BOOTSTRAP, [options.logChars, router.http, router.log], {
        result: { reference: true },
        filename: BOOTSTRAP_FILENAME,
        timeout: 5_000,
      });
      const runOne = (await pair.get(0, { reference: true })) as PooledIsolate["runOne"];
      const checkBody = (await pair.get(1, { reference: true })) as PooledIsolate["checkBody"];
      pair.release();
      holder.slot = {
        isolate,
        context,
        runOne,
        checkBody,
        factories: new Map(),
        poisoned: false,
        runs: 0,
        begin: router.begin,
        end: router.end,
      };
      return holder.slot;
    } catch (error) {
      if (!isolate.isDisposed) isolate.dispose();
      throw error;
    }
  }

  function discard(slot: PooledIsolate): void {
    live--;
    // A poisoned isolate's thread never returns; disposing it would block this thread for good.
    if (!slot.poisoned && !slot.isolate.isDisposed) slot.isolate.dispose();
  }

  function handOut(slot: PooledIsolate): void {
    const next = waiting.shift();
    if (next) next(slot);
    else idle.push(slot);
  }

  function refill(): void {
    if (waiting.length === 0 || live >= options.size) return;
    live++;
    open().then(handOut, () => {
      live--;
    });
  }

  return {
    async acquire() {
      const ready = idle.pop();
      if (ready) return ready;
      if (live < options.size) {
        live++;
        try {
          return await open();
        } catch (error) {
          live--;
          throw error;
        }
      }
      return new Promise<PooledIsolate>((resolve) => waiting.push(resolve));
    },
    release(slot, healthy) {
      slot.runs++;
      let keep = healthy && !slot.poisoned && !slot.isolate.isDisposed && slot.runs < MAX_RUNS;
      // Reading the heap blocks on the isolate's thread: every few runs is enough to catch growth.
      if (keep && slot.runs % HEAP_CHECK_EVERY === 0) {
        const heap = slot.isolate.getHeapStatisticsSync();
        keep = heap.used_heap_size < options.memoryMb * 1024 * 1024 * MAX_HEAP_SHARE;
      }
      if (keep) {
        while (slot.factories.size > MAX_FACTORIES) {
          const [oldest, factory] = slot.factories.entries().next().value as [string, ivm.Reference];
          slot.factories.delete(oldest);
          factory.release();
        }
        handOut(slot);
      } else {
        discard(slot);
        refill();
      }
    },
    close() {
      for (const slot of idle.splice(0)) discard(slot);
    },
  };
}

/** An execution whose token does not match gets this answer from `patchbay.http`. */
const ENDED = JSON.stringify({ error: "the execution has ended" });

/**
 * The isolate's two host functions, made once per isolate and routed to the running execution's bridge
 * by token (making a Reference and a Callback per execution costs more than the execution).
 */
function createRouter() {
  let token = 0;
  let bridge: HostBridge | undefined;
  return {
    http: new ivm.Reference(async (from: unknown, payload: unknown): Promise<string> => {
      if (bridge === undefined || from !== token || typeof payload !== "string") return ENDED;
      return bridge.http(payload);
    }),
    log: new ivm.Callback((from: unknown, level: unknown, message: unknown) => {
      if (bridge !== undefined && from === token) bridge.log(level, message);
    }),
    begin(next: HostBridge): number {
      bridge = next;
      token++;
      return token;
    },
    end(): void {
      bridge = undefined;
      token++;
    },
  };
}
