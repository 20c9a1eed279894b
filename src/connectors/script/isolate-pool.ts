import ivm from "isolated-vm";
import { type HostBridge, MAX_LOG_LINES } from "./host-bridge.ts";
import { BOOTSTRAP_FILENAME, CONTEXT_BOOTSTRAP } from "./sandbox-bootstrap.ts";
import { MAX_SCRIPT_MEMORY_MB } from "./script-limits.ts";
import { createTenantHoldings } from "./tenant-holdings.ts";
import { tenantShare } from "./tenant-share.ts";
import { createTenantTurns } from "./tenant-turns.ts";

/** One warm isolate: its context, the bootstrap's functions, and the script factories compiled in it. */
export interface PooledIsolate {
  readonly isolate: ivm.Isolate;
  readonly context: ivm.Context;
  /** The tenant and memory limit it was made for; it never serves another. */
  readonly key: string;
  readonly tenant: string;
  readonly memoryMb: number;
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
  /** When it was last returned (`performance.now()` time). */
  idleSince: number;
  /**
   * The running execution's bridge and token: the isolate's host functions serve calls carrying this
   * token only. Set by {@link PooledIsolate.begin}, cleared by {@link PooledIsolate.end}.
   */
  begin(bridge: HostBridge): number;
  end(): void;
  /**
   * Calls of `patchbay.http` not yet answered, whatever execution made them: while one is, the isolate's
   * thread waits in `applySyncPromise`, and the isolate must not be disposed (see `runInIsolate`). `end`
   * answers the ended execution's calls at once; a call counts until the turn after its answer.
   */
  hostCalls(): number;
  /** Resolves once {@link PooledIsolate.hostCalls} is 0. */
  settled(): Promise<void>;
}

/** Options of {@link createIsolatePool}. */
export interface IsolatePoolOptions {
  /** Executions at once, over all tenants (each holds one isolate). */
  slots: number;
  /** Executions at once of one tenant (default: {@link tenantShare} of `slots`). */
  tenantShare?: number;
  /** Memory limits, in MB, one tenant's isolates in use may add up to (default {@link TENANT_MEMORY_MB}). */
  tenantMemoryMb?: number;
  /** Idle isolates kept over all tenants; past it the least recently used is disposed. */
  maxIdle: number;
  /** An isolate idle this long is disposed by {@link IsolatePool.sweep}, so memory goes back after a burst. */
  idleMs: number;
  logChars: number;
  onCatastrophicError?: (message: string) => void;
}

/** Warm isolates per tenant, handed out one execution at a time. */
export interface IsolatePool {
  /**
   * An isolate of this tenant with this memory limit: a warm one, or a new one. While every slot is busy,
   * or the tenant holds its share of them (or of memory), it waits, until `wait.ms` passed or
   * `wait.signal` fired: undefined then. Waiting tenants are served in turn.
   */
  acquire(tenant: string, memoryMb: number, wait?: WaitLimit): Promise<PooledIsolate | undefined>;
  /** Returns an isolate; `healthy: false` (a limit was hit, it was aborted) disposes it. */
  release(slot: PooledIsolate, healthy: boolean): void;
  /** Disposes the isolates idle for longer than `idleMs`. */
  sweep(): void;
  /** The isolates alive now, idle and in use (not those isolated-vm gave up on): for measuring them. */
  isolates(): ivm.Isolate[];
  /** Disposes every idle isolate. */
  close(): void;
}

/** How long {@link IsolatePool.acquire} may wait for a free slot. */
export interface WaitLimit {
  readonly ms: number;
  readonly signal?: AbortSignal | undefined;
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
 * The default of {@link IsolatePoolOptions.tenantMemoryMb}: one execution at the largest `memory_mb` a
 * connector may set. A tenant whose every execution asks for 512 MB runs one at a time per process, so
 * what one tenant's heaps take at once does not grow with the slots; a tenant with nothing running may
 * always start one, whatever its limit.
 */
export const TENANT_MEMORY_MB = MAX_SCRIPT_MEMORY_MB;

interface Waiter {
  readonly tenant: string;
  readonly key: string;
  readonly memoryMb: number;
  resolve: (slot: PooledIsolate | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * A pool of isolates with a hardened context each (frozen intrinsics and global object, see
 * CONTEXT_BOOTSTRAP). Creating an isolate and freezing its intrinsics costs milliseconds; an execution on
 * a warm one costs a function call. An isolate belongs to one tenant (and memory limit) for its whole
 * life: whatever one tenant's executions leave in it — compiled scripts holding heap, anything V8 runs
 * later — no other tenant's execution ever meets. An isolate that hit a limit is disposed, and every
 * isolate is recycled after {@link MAX_RUNS} executions or when its heap grew past half its limit.
 * Isolates are never taken back from a running execution, so no tenant may hold more than its share of
 * the slots (or of memory) at once, and waiting tenants are served in turn: a tenant whose scripts wait
 * on nothing for their whole wall time cannot keep every other tenant's out.
 */
export function createIsolatePool(options: IsolatePoolOptions): IsolatePool {
  /** Idle isolates, least recently used first. */
  const idle: PooledIsolate[] = [];
  const waiting = createTenantTurns<Waiter>();
  /** Every isolate made and not yet discarded, idle or in use. */
  const alive = new Set<PooledIsolate>();
  let busy = 0;
  const held = createTenantHoldings(
    options.tenantShare ?? tenantShare(options.slots),
    options.tenantMemoryMb ?? TENANT_MEMORY_MB,
  );

  /** The next waiter, tenants in turn, whose tenant is under its share of isolates and memory. */
  function next(): Waiter | undefined {
    for (const [tenant, waiter] of waiting.heads()) {
      if (!held.fits(tenant, waiter.memoryMb)) continue;
      waiting.serve(tenant, waiter);
      return waiter;
    }
    return undefined;
  }

  async function open(key: string, tenant: string, memoryMb: number): Promise<PooledIsolate> {
    const holder: { slot?: PooledIsolate } = {};
    const isolate = new ivm.Isolate({
      memoryLimit: memoryMb,
      onCatastrophicError: (message) => {
        if (holder.slot) holder.slot.poisoned = true;
        options.onCatastrophicError?.(message);
      },
    });
    try {
      const context = await isolate.createContext();
      const router = createRouter();
      const pair = await context.evalClosure(
        CONTEXT_BOOTSTRAP,
        [options.logChars, router.http, router.log, MAX_LOG_LINES],
        {
          result: { reference: true },
          filename: BOOTSTRAP_FILENAME,
          timeout: 5_000,
        },
      );
      const runOne = (await pair.get(0, { reference: true })) as PooledIsolate["runOne"];
      const checkBody = (await pair.get(1, { reference: true })) as PooledIsolate["checkBody"];
      pair.release();
      holder.slot = {
        isolate,
        context,
        key,
        tenant,
        memoryMb,
        runOne,
        checkBody,
        factories: new Map(),
        poisoned: false,
        runs: 0,
        idleSince: 0,
        begin: router.begin,
        end: router.end,
        hostCalls: router.hostCalls,
        settled: router.settled,
      };
      alive.add(holder.slot);
      return holder.slot;
    } catch (error) {
      if (!isolate.isDisposed) isolate.dispose();
      throw error;
    }
  }

  function discard(slot: PooledIsolate): void {
    alive.delete(slot);
    // A poisoned isolate's thread never returns; disposing it would block this thread for good.
    if (!slot.poisoned && !slot.isolate.isDisposed) slot.isolate.dispose();
  }

  /** Serves waiters, tenants in turn, while a slot is free: the tenant's warm isolate, or a new one. */
  function pump(): void {
    while (busy < options.slots) {
      const waiter = next();
      if (waiter === undefined) return;
      busy++;
      held.hold(waiter.tenant, waiter.memoryMb);
      let warm = -1;
      for (let i = idle.length - 1; i >= 0; i--) {
        if (idle[i]?.key === waiter.key) {
          warm = i;
          break;
        }
      }
      if (warm >= 0) {
        waiter.resolve(idle.splice(warm, 1)[0] as PooledIsolate);
        continue;
      }
      open(waiter.key, waiter.tenant, waiter.memoryMb).then(waiter.resolve, (error: unknown) => {
        busy--;
        held.letGo(waiter.tenant, waiter.memoryMb);
        waiter.reject(error);
        pump();
      });
    }
  }

  return {
    acquire(tenant, memoryMb, wait) {
      // The tenant id is opaque text: a separator that JSON escapes cannot be forged by a tenant id.
      const key = JSON.stringify([tenant, memoryMb]);
      return new Promise<PooledIsolate | undefined>((resolve, reject) => {
        const waiter: Waiter = { tenant, key, memoryMb, resolve, reject };
        waiting.add(tenant, waiter);
        pump();
        if (wait === undefined || !waiting.has(tenant, waiter)) return;
        // Still waiting: give up when the execution's wall time is gone or it is cancelled.
        const giveUp = (): void => {
          if (!waiting.delete(tenant, waiter)) return;
          done();
          resolve(undefined);
        };
        const timer = setTimeout(giveUp, wait.ms);
        wait.signal?.addEventListener("abort", giveUp, { once: true });
        const done = (): void => {
          clearTimeout(timer);
          wait.signal?.removeEventListener("abort", giveUp);
        };
        waiter.resolve = (slot) => {
          done();
          resolve(slot);
        };
        waiter.reject = (error) => {
          done();
          reject(error);
        };
      });
    },
    release(slot, healthy) {
      busy--;
      held.letGo(slot.tenant, slot.memoryMb);
      slot.runs++;
      let keep = healthy && !slot.poisoned && !slot.isolate.isDisposed && slot.runs < MAX_RUNS;
      // Reading the heap blocks on the isolate's thread: every few runs is enough to catch growth.
      if (keep && slot.runs % HEAP_CHECK_EVERY === 0) {
        const heap = slot.isolate.getHeapStatisticsSync();
        keep = heap.used_heap_size < slot.memoryMb * 1024 * 1024 * MAX_HEAP_SHARE;
      }
      if (keep) {
        while (slot.factories.size > MAX_FACTORIES) {
          const [oldest, factory] = slot.factories.entries().next().value as [string, ivm.Reference];
          slot.factories.delete(oldest);
          factory.release();
        }
        slot.idleSince = performance.now();
        idle.push(slot);
        while (idle.length > options.maxIdle) discard(idle.shift() as PooledIsolate);
      } else {
        discard(slot);
      }
      pump();
    },
    sweep() {
      const before = performance.now() - options.idleMs;
      while ((idle[0]?.idleSince ?? before) < before) discard(idle.shift() as PooledIsolate);
    },
    isolates() {
      const isolates: ivm.Isolate[] = [];
      for (const slot of alive) if (!slot.poisoned && !slot.isolate.isDisposed) isolates.push(slot.isolate);
      return isolates;
    },
    close() {
      for (const slot of idle.splice(0)) discard(slot);
    },
  };
}

/**
 * `patchbay.http`'s answer to a call of an execution that has ended (or whose token does not match), given
 * also to its calls still in flight when it ends. `ended` tells the isolate to make no further calls.
 */
const ENDED = JSON.stringify({ error: "the execution has ended", ended: true });

/**
 * The isolate's two host functions, made once per isolate and routed to the running execution's bridge
 * by token (making a Reference and a Callback per execution costs more than the execution).
 */
function createRouter() {
  let token = 0;
  let bridge: HostBridge | undefined;
  // Answers the running execution's calls in flight with ENDED when it ends; made on its first call.
  let cut: PromiseWithResolvers<string> | undefined;
  let pending = 0;
  const idle: (() => void)[] = [];
  const answered = () => {
    pending--;
    if (pending === 0) for (const resolve of idle.splice(0)) resolve();
  };
  return {
    http: new ivm.Reference(async (from: unknown, payload: unknown): Promise<string> => {
      pending++;
      try {
        if (bridge === undefined || from !== token || typeof payload !== "string") return ENDED;
        cut ??= Promise.withResolvers<string>();
        // The bridge never rejects; once the execution ends its answer, if it ever comes, is dropped.
        return await Promise.race([bridge.http(payload), cut.promise]);
      } finally {
        // Counted until the next turn of the event loop: isolated-vm hands the answer to the isolate's
        // thread in a reaction to this function's promise, after it has returned.
        setImmediate(answered);
      }
    }),
    log: new ivm.Callback((from: unknown, level: unknown, message: unknown, fields: unknown) => {
      if (bridge !== undefined && from === token) bridge.log(level, message, fields);
    }),
    begin(next: HostBridge): number {
      bridge = next;
      token++;
      return token;
    },
    end(): void {
      bridge = undefined;
      token++;
      // Whatever the HTTP code does with its cancellation, the script's call is answered now.
      cut?.resolve(ENDED);
      cut = undefined;
    },
    hostCalls(): number {
      return pending;
    },
    settled(): Promise<void> {
      return pending === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve));
    },
  };
}
