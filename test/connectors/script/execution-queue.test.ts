import { describe, expect, it } from "vitest";
import { createExecutionQueue } from "../../../src/connectors/script/execution-queue.ts";

interface Entry {
  readonly name: string;
  readonly tenant: string;
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
}

function entry(name: string, waitMs = 60_000, signal?: AbortSignal, tenant = "tenant-a"): Entry {
  return { name, tenant, deadline: performance.now() + waitMs, signal };
}

/** The next entry that may go anywhere. */
const anywhere = () => true;

function queueOf(max: number, maxPerTenant?: number) {
  const expired: string[] = [];
  const aborted: string[] = [];
  let onExpired = () => {};
  const queue = createExecutionQueue<Entry>({
    max,
    ...(maxPerTenant === undefined ? {} : { maxPerTenant }),
    expired: (e) => {
      expired.push(e.name);
      onExpired();
    },
    aborted: (e) => aborted.push(e.name),
  });
  const nextExpiry = () =>
    new Promise<void>((done) => {
      onExpired = done;
    });
  return { queue, expired, aborted, nextExpiry };
}

describe("execution queue", () => {
  it("hands executions out oldest first and refuses more than max", () => {
    const { queue } = queueOf(2);
    expect(queue.add(entry("a"))).toBe("queued");
    expect(queue.add(entry("b"))).toBe("queued");
    expect(queue.add(entry("c"))).toBe("full");
    expect(queue.take(anywhere)?.entry.name).toBe("a");
    expect(queue.add(entry("d"))).toBe("queued");
    expect([
      queue.take(anywhere)?.entry.name,
      queue.take(anywhere)?.entry.name,
      queue.take(anywhere),
    ]).toEqual(["b", "d", undefined]);
    queue.clear();
  });

  it("keeps a tenant to its share of the queue, so another tenant's executions still wait their turn", async () => {
    const { queue, nextExpiry } = queueOf(4, 3);
    for (const name of ["m1", "m2", "m3"])
      expect(queue.add(entry(name, 60_000, undefined, "mallory"))).toBe("queued");
    expect(queue.add(entry("m4", 60_000, undefined, "mallory"))).toBe("share");
    expect(queue.add(entry("a1", 60_000, undefined, "alice"))).toBe("queued");
    expect(queue.add(entry("a2", 60_000, undefined, "alice"))).toBe("full");
    // A place given back, by a run handed out or by a wait that ends, is the tenant's again.
    expect(queue.take(anywhere)?.entry.name).toBe("m1");
    expect(queue.add(entry("m4", 60_000, undefined, "mallory"))).toBe("queued");
    const expiry = nextExpiry();
    expect(queue.take(anywhere)?.entry.name).toBe("a1");
    expect(queue.add(entry("m5", 10, undefined, "mallory"))).toBe("share");
    expect(queue.add(entry("a2", 10, undefined, "alice"))).toBe("queued");
    await expiry;
    expect(queue.add(entry("a3", 60_000, undefined, "alice"))).toBe("queued");
    expect(queue.clear().map((e) => e.name)).toEqual(["m2", "m3", "m4", "a3"]);
  });

  it("answers an execution whose deadline passes while it waits, and never hands it out", async () => {
    const { queue, expired, nextExpiry } = queueOf(4);
    const expiry = nextExpiry();
    queue.add(entry("short", 20));
    queue.add(entry("long"));
    await expiry;
    expect(expired).toEqual(["short"]);
    expect(queue.size()).toBe(1);
    expect(queue.take(anywhere)?.entry.name).toBe("long");
  });

  it("skips an execution past its deadline whose timer has not fired yet", () => {
    const { queue, expired } = queueOf(4);
    queue.add(entry("late", -1));
    queue.add(entry("fine"));
    expect(queue.take(anywhere)?.entry.name).toBe("fine");
    expect(expired).toEqual(["late"]);
  });

  it("answers an execution its caller cancels while it waits", () => {
    const { queue, aborted } = queueOf(4);
    const controller = new AbortController();
    queue.add(entry("cancelled", 60_000, controller.signal));
    queue.add(entry("kept"));
    controller.abort();
    expect(aborted).toEqual(["cancelled"]);
    expect(queue.clear().map((e) => e.name)).toEqual(["kept"]);
  });

  it("serves the tenants with executions waiting in turn, each tenant's oldest first", () => {
    const { queue } = queueOf(16);
    for (let i = 0; i < 5; i++) queue.add(entry(`a${i}`, 60_000, undefined, "tenant-a"));
    queue.add(entry("b0", 60_000, undefined, "tenant-b"));
    queue.add(entry("b1", 60_000, undefined, "tenant-b"));
    queue.add(entry("c0", 60_000, undefined, "tenant-c"));
    const order: string[] = [];
    for (let taken = queue.take(anywhere); taken !== undefined; taken = queue.take(anywhere)) {
      order.push(taken.entry.name);
    }
    expect(order).toEqual(["a0", "b0", "c0", "a1", "b1", "a2", "a3", "a4"]);
  });

  it("passes over a tenant with no room anywhere, which keeps its turn for when it has", () => {
    const { queue } = queueOf(16);
    queue.add(entry("a0", 60_000, undefined, "tenant-a"));
    queue.add(entry("a1", 60_000, undefined, "tenant-a"));
    queue.add(entry("b0", 60_000, undefined, "tenant-b"));
    queue.add(entry("b1", 60_000, undefined, "tenant-b"));
    const notA = (e: Entry) => (e.tenant === "tenant-a" ? undefined : "somewhere");
    expect(queue.take(notA)).toEqual({ entry: expect.objectContaining({ name: "b0" }), place: "somewhere" });
    expect(queue.take(notA)?.entry.name).toBe("b1");
    expect(queue.take(notA)).toBeUndefined();
    expect(queue.size()).toBe(2);
    expect(queue.take(anywhere)?.entry.name).toBe("a0");
    queue.clear();
  });
});
