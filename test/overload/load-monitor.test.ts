import { monitorEventLoopDelay } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { createLoadMonitor, type DelayHistogram } from "../../src/overload/index.ts";

/** A histogram whose 99th percentile the test sets, in milliseconds. */
function fakeHistogram() {
  let p99Ms = 0;
  let enabled = false;
  const histogram: DelayHistogram & { setMs(ms: number): void; readonly enabled: boolean } = {
    enable: () => {
      enabled = true;
      return true;
    },
    disable: () => {
      enabled = false;
      return true;
    },
    reset: () => {
      p99Ms = 0;
    },
    percentile: () => p99Ms * 1e6,
    get count() {
      return p99Ms > 0 ? 1 : 0;
    },
    setMs: (ms: number) => {
      p99Ms = ms;
    },
    get enabled() {
      return enabled;
    },
  };
  return histogram;
}

describe("load monitor", () => {
  it("reads the event loop's delay once per window, and the pool's queue as it is", () => {
    let clock = 0;
    let waiting = 0;
    const loop = fakeHistogram();
    const monitor = createLoadMonitor({
      loopDelay: loop,
      dbWaiting: () => waiting,
      thresholds: { loopDelayMs: 100, dbWaiting: 10 },
      windowMs: 500,
      now: () => clock,
    });
    expect(loop.enabled).toBe(true);
    loop.setMs(150);
    // The window has not run its length: the last reading (none yet) stands.
    expect(monitor.pressure()).toBeUndefined();
    clock = 500;
    expect(monitor.sample().loopDelayMs).toBe(150);
    expect(monitor.pressure()).toBe("event_loop");
    clock = 1000;
    expect(monitor.pressure()).toBeUndefined();
    waiting = 10;
    expect(monitor.pressure()).toBe("database");
    monitor.stop();
    expect(loop.enabled).toBe(false);
  });

  it("never reports a signal whose threshold is 0", () => {
    let clock = 0;
    const loop = fakeHistogram();
    const monitor = createLoadMonitor({
      loopDelay: loop,
      dbWaiting: () => 1_000,
      thresholds: { loopDelayMs: 0, dbWaiting: 0 },
      now: () => clock,
    });
    loop.setMs(10_000);
    clock = 10_000;
    expect(monitor.pressure()).toBeUndefined();
    monitor.stop();
  });

  it("sees a stalled event loop through perf_hooks", async () => {
    const monitor = createLoadMonitor({
      loopDelay: monitorEventLoopDelay({ resolution: 10 }),
      dbWaiting: () => 0,
      thresholds: { loopDelayMs: 100, dbWaiting: 0 },
      windowMs: 1,
      now: () => performance.now(),
    });
    try {
      monitor.sample();
      await sleep(50);
      const until = performance.now() + 400;
      while (performance.now() < until) {
        // Blocks the event loop on purpose.
      }
      // Let the histogram's timer fire late and record the stall.
      await sleep(30);
      expect(monitor.pressure()).toBe("event_loop");
    } finally {
      monitor.stop();
    }
  });
});
