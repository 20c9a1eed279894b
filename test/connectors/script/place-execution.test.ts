import { describe, expect, it } from "vitest";
import { type Capacity, placeExecution } from "../../../src/connectors/script/place-execution.ts";

/** A process as placement sees it: `pending` executions sent and not answered, `mine` of them the tenant's. */
function proc(name: string, pending: number, mine = 0) {
  const tenants = new Map<string, number>();
  if (mine > 0) tenants.set("t", mine);
  return { name, pending: { size: pending }, tenants };
}

type Proc = ReturnType<typeof proc>;

/** Three isolates a process, sixteen sent per isolate: a tenant may hold one isolate and 16 sent. */
const CAPACITY: Capacity = { slots: 3, sentPerSlot: 16, share: 1 };
/** The same with no share to speak of: placement as it is for the tenant's executions alone. */
const UNSHARED: Capacity = { slots: 3, sentPerSlot: 16, share: 3 };

/** Places `count` executions of tenant "t" one after another, each staying sent (as with executions in flight). */
function placeMany(open: Proc[], home: Proc, count: number, capacity: Capacity) {
  const order: string[] = [];
  for (let i = 0; i < count; i++) {
    const chosen = placeExecution(open, home, "t", capacity);
    if (chosen === undefined) break;
    chosen.pending.size++;
    chosen.tenants.set("t", (chosen.tenants.get("t") ?? 0) + 1);
    order.push(chosen.name);
  }
  return order;
}

describe("placeExecution", () => {
  it("sends a tenant's execution home while an isolate is free there, else to a process with one free", () => {
    const home = proc("home", 2);
    const other = proc("other", 0);
    expect(placeExecution([home, other], home, "t", CAPACITY)).toBe(home);
    home.pending.size = 3;
    expect(placeExecution([home, other], home, "t", CAPACITY)).toBe(other);
  });

  it("sends a tenant holding its share at home to a process where it holds less, isolates free at home or not", () => {
    const home = proc("home", 1, 1);
    const other = proc("other", 2);
    expect(placeExecution([home, other], home, "t", CAPACITY)).toBe(other);
  });

  it("spreads one busy tenant's waiting executions over the processes instead of filling its home first", () => {
    const home = proc("home", 0);
    const other = proc("other", 0);
    const spread: number[] = [];
    for (const name of placeMany([home, other], home, 96, UNSHARED)) {
      expect(name).toBeDefined();
      spread.push(home.pending.size - other.pending.size);
    }
    // Never more than a process's slots apart, and both full at the end.
    expect(Math.max(...spread.map(Math.abs))).toBeLessThanOrEqual(3);
    expect([home.pending.size, other.pending.size]).toEqual([48, 48]);
    expect(placeExecution([home, other], home, "t", UNSHARED)).toBeUndefined();
  });

  it("keeps waiting executions at home while it has fewer than a process's slots more than the least busy", () => {
    const home = proc("home", 10);
    const other = proc("other", 8);
    expect(placeExecution([home, other], home, "t", CAPACITY)).toBe(home);
    home.pending.size = 11;
    expect(placeExecution([home, other], home, "t", CAPACITY)).toBe(other);
    // A full home sends the rest to the others, whatever their load.
    const full = proc("a", 48);
    expect(placeExecution([full, proc("b", 20)], full, "t", CAPACITY)?.name).toBe("b");
  });

  it("sends one tenant no more than its share of each process's room, and the others find room still", () => {
    const home = proc("home", 0);
    const others = [proc("b", 0), proc("c", 0)];
    const order = placeMany([home, ...others], home, 1000, CAPACITY);
    // share × sentPerSlot = 16 a process, of the 48 each could take.
    expect(order).toHaveLength(3 * 16);
    expect(order.slice(0, 3).sort()).toEqual(["b", "c", "home"]);
    expect([home, ...others].map((p) => p.pending.size)).toEqual([16, 16, 16]);
    // Another tenant still has room in every process, and an isolate it can start on at home.
    expect(placeExecution([home, ...others], home, "another", CAPACITY)).toBe(home);
  });

  it("fills processes up to slots × sentPerSlot and no further", () => {
    const home = proc("home", 0);
    const others = [proc("b", 0), proc("c", 0)];
    const order = placeMany([home, ...others], home, 1000, { slots: 2, sentPerSlot: 16, share: 2 });
    expect(order).toHaveLength(3 * 2 * 16);
    expect(order.slice(0, 2)).toEqual(["home", "home"]);
  });
});
