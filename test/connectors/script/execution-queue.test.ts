import { describe, expect, it } from "vitest";
import { createExecutionQueue } from "../../../src/connectors/script/execution-queue.ts";

interface Entry {
  readonly name: string;
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
}

function entry(name: string, waitMs = 60_000, signal?: AbortSignal): Entry {
  return { name, deadline: performance.now() + waitMs, signal };
}

function queueOf(max: number) {
  const expired: string[] = [];
  const aborted: string[] = [];
  let onExpired = () => {};
  const queue = createExecutionQueue<Entry>({
    max,
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
    expect(queue.add(entry("a"))).toBe(true);
    expect(queue.add(entry("b"))).toBe(true);
    expect(queue.add(entry("c"))).toBe(false);
    expect(queue.take()?.name).toBe("a");
    expect(queue.add(entry("d"))).toBe(true);
    expect([queue.take()?.name, queue.take()?.name, queue.take()]).toEqual(["b", "d", undefined]);
    queue.clear();
  });

  it("answers an execution whose deadline passes while it waits, and never hands it out", async () => {
    const { queue, expired, nextExpiry } = queueOf(4);
    const expiry = nextExpiry();
    queue.add(entry("short", 20));
    queue.add(entry("long"));
    await expiry;
    expect(expired).toEqual(["short"]);
    expect(queue.size()).toBe(1);
    expect(queue.take()?.name).toBe("long");
  });

  it("skips an execution past its deadline whose timer has not fired yet", () => {
    const { queue, expired } = queueOf(4);
    queue.add(entry("late", -1));
    queue.add(entry("fine"));
    expect(queue.take()?.name).toBe("fine");
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
});
