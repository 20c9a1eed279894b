import { describe, expect, it } from "vitest";
import { createHeartbeat } from "../../../src/connectors/script/heartbeat.ts";

describe("heartbeat", () => {
  it("never takes a process that answers each ping for hung, however long it stays busy", () => {
    const pings: number[] = [];
    const heartbeat = createHeartbeat((seq) => pings.push(seq), 3);
    for (let beat = 0; beat < 100; beat++) {
      expect(heartbeat.beat()).toBe(false);
      heartbeat.answered(pings.at(-1) as number);
    }
    expect(pings).toHaveLength(100);
  });

  it("takes a process for hung after `missedLimit` beats without an answer, and only then", () => {
    const pings: number[] = [];
    const heartbeat = createHeartbeat((seq) => pings.push(seq), 3);
    heartbeat.beat(); // ping 1: the process is up once it answers
    heartbeat.answered(1);
    expect(heartbeat.beat()).toBe(false); // sends ping 2
    expect([heartbeat.beat(), heartbeat.beat()]).toEqual([false, false]);
    expect(heartbeat.beat()).toBe(true);
    expect(pings).toEqual([1, 2]);
  });

  it("gives a process that never answered yet (still starting) ten times as many beats", () => {
    const pings: number[] = [];
    const heartbeat = createHeartbeat((seq) => pings.push(seq), 3);
    expect(heartbeat.beat()).toBe(false); // sends ping 1
    const misses = Array.from({ length: 30 }, () => heartbeat.beat());
    expect(misses.slice(0, 29).every((hung) => !hung)).toBe(true);
    expect(misses[29]).toBe(true);
    expect(pings).toEqual([1]);
  });

  it("forgives a late answer (a stalled service reads it late) and ignores answers to old pings", () => {
    const pings: number[] = [];
    const heartbeat = createHeartbeat((seq) => pings.push(seq), 3);
    heartbeat.beat();
    heartbeat.beat();
    heartbeat.beat();
    heartbeat.answered(1);
    expect(heartbeat.beat()).toBe(false); // ping 2
    heartbeat.answered(1);
    expect([heartbeat.beat(), heartbeat.beat(), heartbeat.beat()]).toEqual([false, false, true]);
  });
});
