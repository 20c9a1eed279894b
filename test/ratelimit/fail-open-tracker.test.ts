import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logging/logger.ts";
import { createFailOpenTracker } from "../../src/ratelimit/index.ts";
import { LogCapture } from "../support/log-capture.ts";

function tracker() {
  const logs = new LogCapture();
  let clock = 1_000;
  const failOpen = createFailOpenTracker(
    createLogger({ level: "debug", format: "json", destination: logs.stream }),
    () => clock,
  );
  const lines = (prefix: string) => logs.lines().filter((l) => String(l.msg).startsWith(prefix));
  return {
    failOpen,
    advance: (ms: number) => {
      clock += ms;
    },
    warnings: () => lines("rate limit store failed"),
    recoveries: () => lines("rate limit store answers again"),
  };
}

describe("rate limiter fail-open record", () => {
  it("logs an outage once when it starts and once when it ends, with the calls it let through", () => {
    const t = tracker();
    for (let i = 0; i < 50; i++) t.failOpen.failed(t.failOpen.begin(), new Error("store down"));
    t.advance(2_500);
    t.failOpen.answered(t.failOpen.begin());
    expect(t.warnings()).toHaveLength(1);
    expect(t.recoveries()).toHaveLength(1);
    expect(t.recoveries()[0]).toMatchObject({
      level: "info",
      unlimitedCalls: 50,
      durationMs: 2_500,
      incident: 1,
    });
    expect(t.failOpen.stats()).toEqual({ failing: false, incidents: 1, calls: 50 });
  });

  it("does not end an outage on an answer to a call that started before it (no warning per flap)", () => {
    const t = tracker();
    const early = [t.failOpen.begin(), t.failOpen.begin(), t.failOpen.begin()];
    t.failOpen.failed(t.failOpen.begin(), new Error("timeout"));
    // Calls that were already in flight answer late, between failures of newer ones.
    for (const ticket of early) {
      t.failOpen.answered(ticket);
      t.failOpen.failed(t.failOpen.begin(), new Error("timeout"));
    }
    expect(t.warnings()).toHaveLength(1);
    expect(t.recoveries()).toHaveLength(0);
    expect(t.failOpen.stats()).toEqual({ failing: true, incidents: 1, calls: 4 });
  });

  it("counts a second outage as a second incident", () => {
    const t = tracker();
    t.failOpen.failed(t.failOpen.begin(), new Error("down"));
    t.failOpen.answered(t.failOpen.begin());
    t.failOpen.failed(t.failOpen.begin(), new Error("down again"));
    expect(t.warnings()).toHaveLength(2);
    expect(t.failOpen.stats()).toEqual({ failing: true, incidents: 2, calls: 2 });
  });
});
