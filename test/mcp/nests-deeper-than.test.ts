import { describe, expect, it } from "vitest";
import { nestsDeeperThan } from "../../src/mcp/nests-deeper-than.ts";

/** An array nested `levels` deep inside an object: `levels + 1` levels in all. */
const under = (levels: number): unknown => {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return { a: 1, b: value };
};

describe("nestsDeeperThan", () => {
  it("counts the value itself as the first level, and plain values as none", () => {
    expect(nestsDeeperThan("text", 0)).toBe(false);
    expect(nestsDeeperThan(null, 0)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan({}, 1)).toBe(false);
    expect(nestsDeeperThan(under(3), 4)).toBe(false);
    expect(nestsDeeperThan(under(3), 3)).toBe(true);
  });

  it("finds the deep branch among shallow ones, in objects and arrays", () => {
    expect(nestsDeeperThan([1, "x", { y: [[]] }], 4)).toBe(false);
    expect(nestsDeeperThan([1, "x", { y: [[[]]] }], 4)).toBe(true);
  });

  it("measures a value nested past what the stack allows without overflowing", () => {
    const deep = JSON.parse(`${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`) as unknown;
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(nestsDeeperThan(deep, 63)).toBe(true);
  });
});
