import { describe, expect, it } from "vitest";
import { type BumpLevel, type RequiredBump, requiredBump } from "../../../src/catalog/versioning/index.ts";

const change = (level: BumpLevel) => ({ level, kind: "schema_changed" as const, message: "m" });

describe("requiredBump", () => {
  it.each<[BumpLevel[], RequiredBump]>([
    [[], "none"],
    [["patch"], "patch"],
    [["patch", "minor", "patch"], "minor"],
    [["minor", "major", "patch"], "major"],
    [["major", "minor"], "major"],
  ])("of %j is %s", (levels, required) => {
    expect(requiredBump(levels.map(change))).toBe(required);
  });
});
