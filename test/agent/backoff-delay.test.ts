import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../src/agent/index.ts";

describe("backoffDelay", () => {
  const bounds = { baseMs: 500, capMs: 30_000 };

  it("doubles the ceiling per attempt up to the cap, with full jitter below it", () => {
    const ceiling = (attempt: number) => backoffDelay(attempt, bounds, () => 0.999_999) + 1;
    expect([0, 1, 2, 3, 6, 7, 50].map(ceiling)).toEqual([500, 1_000, 2_000, 4_000, 30_000, 30_000, 30_000]);
    expect(backoffDelay(5, bounds, () => 0)).toBe(0);
    expect(backoffDelay(2, bounds, () => 0.5)).toBe(1_000);
  });
});
