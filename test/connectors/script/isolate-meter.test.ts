import ivm from "isolated-vm";
import { afterEach, describe, expect, it } from "vitest";
import { createIsolateMeter } from "../../../src/connectors/script/isolate-meter.ts";

const made: ivm.Isolate[] = [];
afterEach(() => {
  for (const isolate of made.splice(0)) if (!isolate.isDisposed) isolate.dispose();
});

function isolate(): ivm.Isolate {
  const created = new ivm.Isolate({ memoryLimit: 16 });
  made.push(created);
  return created;
}

describe("isolate meter", () => {
  it("sums the isolates' heaps, and leaves out the disposed ones", async () => {
    const [a, b] = [isolate(), isolate()];
    await (await a.createContext()).eval("globalThis.kept = new Array(100000).fill(1)");
    const both = await createIsolateMeter().read([a, b], 60_000);
    const heapOfA = a.getHeapStatisticsSync();
    expect(both.isolates).toBe(2);
    expect(both.heapUsedBytes).toBeGreaterThan(heapOfA.used_heap_size);
    expect(both.heapTotalBytes).toBeGreaterThanOrEqual(both.heapUsedBytes);

    b.dispose();
    const one = await createIsolateMeter().read([a, b], 60_000);
    expect(one.isolates).toBe(1);
    expect(one.heapUsedBytes).toBeGreaterThan(0);
    expect(one.heapUsedBytes).toBeLessThan(both.heapUsedBytes);
  });

  it("does not wait for an isolate busy with a long execution: it counts, with its last heap", async () => {
    const busy = isolate();
    const context = await busy.createContext();
    const meter = createIsolateMeter();
    const idle = await meter.read([busy], 60_000);
    expect(idle.heapUsedBytes).toBeGreaterThan(0);

    let ended = false;
    const running = context
      .eval("for (;;) {}", { timeout: 60_000 })
      .catch(() => undefined)
      .finally(() => {
        ended = true;
      });
    // The loop holds the isolate far longer than the meter waits: the read answers while it runs.
    const during = await meter.read([busy], 100);
    expect(ended).toBe(false);
    expect(during).toEqual({ ...idle, isolates: 1 });
    busy.dispose();
    await running;
  });
});
