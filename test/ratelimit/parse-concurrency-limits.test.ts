import { describe, expect, it } from "vitest";
import {
  ConcurrencyLimitSpecError,
  DEFAULT_CONCURRENCY_LIMITS,
  parseConcurrencyLimits,
} from "../../src/ratelimit/index.ts";

describe("PATCHBAY_CONCURRENCY_LIMITS", () => {
  it("reads calls in flight per tier", () => {
    expect(parseConcurrencyLimits("standard=8, bulk = 64")).toEqual(
      new Map([
        ["standard", 8],
        ["bulk", 64],
      ]),
    );
  });

  it("has a default that defines the standard tier", () => {
    expect(parseConcurrencyLimits(DEFAULT_CONCURRENCY_LIMITS)).toEqual(
      new Map([
        ["standard", 32],
        ["bulk", 256],
      ]),
    );
  });

  it("exempts an unlimited tier and turns off with off", () => {
    expect(parseConcurrencyLimits("standard=4,wide=unlimited")?.get("wide")).toBe(Number.POSITIVE_INFINITY);
    expect(parseConcurrencyLimits(" OFF ")).toBeUndefined();
  });

  it.each([
    ["bulk=8", /must define the standard tier/],
    ["standard=0", /must allow 1 to 100000 calls in flight/],
    ["standard=100001", /must allow 1 to 100000/],
    ["standard=8/60s", /must look like tier=32/],
    ["standard", /must look like tier=32/],
    ["standard=8,standard=9", /defined twice/],
    ["Standard=8", /tier name "Standard"/],
    ["standard=-1", /must look like tier=32/],
  ])("refuses %j with one line saying why", (spec, reason) => {
    expect(() => parseConcurrencyLimits(spec)).toThrow(ConcurrencyLimitSpecError);
    expect(() => parseConcurrencyLimits(spec)).toThrow(reason);
  });
});
