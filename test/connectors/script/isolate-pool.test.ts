import { afterEach, describe, expect, it } from "vitest";
import {
  createIsolatePool,
  type IsolatePool,
  type PooledIsolate,
} from "../../../src/connectors/script/isolate-pool.ts";

let pool: IsolatePool | undefined;
afterEach(() => pool?.close());

/** An isolate, waiting as long as it takes. */
async function take(from: IsolatePool, tenant: string, memoryMb = 16): Promise<PooledIsolate> {
  const slot = await from.acquire(tenant, memoryMb);
  if (slot === undefined) throw new Error("no isolate");
  return slot;
}

describe("isolate pool", () => {
  it("never hands one tenant's isolate to another, and gives each its own warm one back", async () => {
    pool = createIsolatePool({ slots: 2, maxIdle: 4, idleMs: 60_000, logChars: 100 });
    const a = await take(pool, "tenant-a", 16);
    pool.release(a, true);
    const b = await take(pool, "tenant-b", 16);
    expect(b.isolate).not.toBe(a.isolate);
    pool.release(b, true);
    const again = await take(pool, "tenant-a", 16);
    expect(again.isolate).toBe(a.isolate);
    // A tenant id cannot be spelled to meet another tenant's key.
    const forged = await take(pool, 'tenant-a",16', 16);
    expect([a.isolate, b.isolate]).not.toContain(forged.isolate);
    pool.release(again, true);
    pool.release(forged, true);
    const otherLimit = await take(pool, "tenant-a", 32);
    expect(otherLimit.isolate).not.toBe(a.isolate);
    pool.release(otherLimit, true);
  });

  it("runs at most `slots` executions at once over all tenants; the next waits for a release", async () => {
    pool = createIsolatePool({ slots: 2, maxIdle: 4, idleMs: 60_000, logChars: 100 });
    const first = await take(pool, "tenant-a", 16);
    const second = await take(pool, "tenant-b", 16);
    let third: unknown;
    const waiting = take(pool, "tenant-c").then((slot) => {
      third = slot;
      return slot;
    });
    // Two more turns of the event loop: the third acquire is still waiting.
    await new Promise((turn) => setImmediate(turn));
    await new Promise((turn) => setImmediate(turn));
    expect(third).toBeUndefined();
    pool.release(first, true);
    const slot = await waiting;
    expect([first.isolate, second.isolate]).not.toContain(slot.isolate);
    pool.release(second, true);
    pool.release(slot, true);
  });

  it("lets a tenant hold half the slots: its next execution waits while another tenant's starts, then runs", async () => {
    pool = createIsolatePool({ slots: 4, maxIdle: 8, idleMs: 60_000, logChars: 100 });
    const held = [await take(pool, "tenant-a"), await take(pool, "tenant-a")];
    let third: PooledIsolate | undefined;
    const over = take(pool, "tenant-a").then((slot) => {
      third = slot;
      return slot;
    });
    // Two slots are free, and tenant A may not have them: tenant B may.
    const other = await pool.acquire("tenant-b", 16, { ms: 60_000 });
    expect(other).toBeDefined();
    await new Promise((turn) => setImmediate(turn));
    expect(third).toBeUndefined();
    pool.release(held[0] as PooledIsolate, true);
    expect((await over).key).toBe((held[0] as PooledIsolate).key);
    for (const slot of [held[1], third, other]) pool.release(slot as PooledIsolate, true);
  });

  it("serves the tenants waiting for a slot in turn, not in the order they asked", async () => {
    const one = createIsolatePool({ slots: 1, maxIdle: 8, idleMs: 60_000, logChars: 100 });
    pool = one;
    const busy = await take(one, "tenant-z");
    const order: string[] = [];
    const asked = ["a1", "a2", "a3", "b1", "c1", "b2"].map((name) =>
      take(one, `tenant-${name[0]}`).then((slot) => {
        order.push(name);
        // Each holds the only slot until the next turn of the event loop.
        setImmediate(() => one.release(slot, true));
      }),
    );
    one.release(busy, true);
    await Promise.all(asked);
    await new Promise((turn) => setImmediate(turn));
    expect(order).toEqual(["a1", "b1", "c1", "a2", "b2", "a3"]);
  });

  it("holds a tenant's isolates in use to 512 MB of memory limits together; another tenant's start meanwhile", async () => {
    pool = createIsolatePool({ slots: 6, maxIdle: 8, idleMs: 60_000, logChars: 100 });
    const big = await take(pool, "tenant-a", 384);
    expect(await pool.acquire("tenant-a", 256, { ms: 50 })).toBeUndefined();
    const small = await take(pool, "tenant-a", 128);
    const other = await take(pool, "tenant-b", 384);
    pool.release(small, true);
    pool.release(big, true);
    // With nothing in use, one execution starts whatever it asks for.
    const huge = await take(pool, "tenant-a", 1024);
    for (const slot of [other, huge]) pool.release(slot, true);
  });

  it("gives up waiting for a slot when the wait's time has passed or its signal fired", async () => {
    pool = createIsolatePool({ slots: 1, maxIdle: 2, idleMs: 60_000, logChars: 100 });
    const busy = await take(pool, "tenant-a");
    expect(await pool.acquire("tenant-b", 16, { ms: 50 })).toBeUndefined();
    const controller = new AbortController();
    const cancelled = pool.acquire("tenant-b", 16, { ms: 60_000, signal: controller.signal });
    controller.abort();
    expect(await cancelled).toBeUndefined();
    pool.release(busy, true);
    const next = await pool.acquire("tenant-b", 16, { ms: 50 });
    expect(next).toBeDefined();
    pool.release(next as PooledIsolate, true);
  });

  it("disposes the least recently used idle isolate past maxIdle, and an unhealthy one at once", async () => {
    pool = createIsolatePool({ slots: 3, maxIdle: 2, idleMs: 60_000, logChars: 100 });
    const slots = [
      await take(pool, "tenant-a", 16),
      await take(pool, "tenant-b", 16),
      await take(pool, "tenant-c", 16),
    ];
    for (const slot of slots) pool.release(slot, true);
    expect(slots.map((slot) => slot.isolate.isDisposed)).toEqual([true, false, false]);
    const c = await take(pool, "tenant-c", 16);
    expect(c.isolate).toBe(slots[2]?.isolate);
    // Those measured: the idle one and the one in use, not the disposed one.
    expect(new Set(pool.isolates())).toEqual(new Set([slots[1]?.isolate, c.isolate]));
    pool.release(c, false);
    expect(c.isolate.isDisposed).toBe(true);
    expect(pool.isolates()).toEqual([slots[1]?.isolate]);
  });

  it("gives idle isolates back after idleMs, least recently used first", async () => {
    pool = createIsolatePool({ slots: 2, maxIdle: 4, idleMs: 1, logChars: 100 });
    const slot = await take(pool, "tenant-a");
    pool.sweep();
    expect(slot.isolate.isDisposed).toBe(false);
    pool.release(slot, true);
    const current = pool;
    await expect
      .poll(() => {
        current.sweep();
        return slot.isolate.isDisposed;
      })
      .toBe(true);
  });
});
