import { describe, expect, it } from "vitest";
import { placeExecution } from "../../../src/connectors/script/place-execution.ts";

/** A process as placement sees it: `pending` executions sent and not answered. */
function proc(name: string, pending: number) {
  return { name, pending: { size: pending } };
}

/** Places `count` executions one after another, each staying sent (as with executions in flight). */
function placeMany(
  open: ReturnType<typeof proc>[],
  home: ReturnType<typeof proc>,
  count: number,
  slots: number,
) {
  const order: string[] = [];
  for (let i = 0; i < count; i++) {
    const chosen = placeExecution(open, home, slots, 16);
    if (chosen === undefined) break;
    chosen.pending.size++;
    order.push(chosen.name);
  }
  return order;
}

describe("placeExecution", () => {
  it("sends a tenant's execution home while an isolate is free there, else to a process with one free", () => {
    const home = proc("home", 2);
    const other = proc("other", 0);
    expect(placeExecution([home, other], home, 3, 16)).toBe(home);
    home.pending.size = 3;
    expect(placeExecution([home, other], home, 3, 16)).toBe(other);
  });

  it("spreads one busy tenant's waiting executions over the processes instead of filling its home first", () => {
    const home = proc("home", 0);
    const other = proc("other", 0);
    const spread: number[] = [];
    for (let i = 0; i < 96; i++) {
      const chosen = placeExecution([home, other], home, 3, 16);
      if (chosen === undefined) throw new Error(`nothing placed at ${i}`);
      chosen.pending.size++;
      spread.push(home.pending.size - other.pending.size);
    }
    // Never more than a process's slots apart, and both full at the end.
    expect(Math.max(...spread.map(Math.abs))).toBeLessThanOrEqual(3);
    expect([home.pending.size, other.pending.size]).toEqual([48, 48]);
    expect(placeExecution([home, other], home, 3, 16)).toBeUndefined();
  });

  it("keeps waiting executions at home while it has fewer than a process's slots more than the least busy", () => {
    const home = proc("home", 10);
    const other = proc("other", 8);
    expect(placeExecution([home, other], home, 3, 16)).toBe(home);
    home.pending.size = 11;
    expect(placeExecution([home, other], home, 3, 16)).toBe(other);
    // A full home sends the rest to the others, whatever their load.
    expect(placeExecution([proc("a", 48), proc("b", 20)], proc("a", 48), 3, 16)?.name).toBe("b");
  });

  it("fills processes up to slots × sentPerSlot and no further", () => {
    const home = proc("home", 0);
    const others = [proc("b", 0), proc("c", 0)];
    const order = placeMany([home, ...others], home, 1000, 2);
    expect(order).toHaveLength(3 * 2 * 16);
    expect(order.slice(0, 2)).toEqual(["home", "home"]);
  });
});
