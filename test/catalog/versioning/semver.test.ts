import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  bumpOf,
  bumpVersion,
  compareVersions,
  formatVersion,
  parseVersion,
} from "../../../src/catalog/versioning/index.ts";

/** The ConnectError `fn` throws; fails the test when it throws something else or nothing. */
function connectErrorOf(fn: () => unknown): ConnectError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConnectError) return error;
    throw error;
  }
  throw new Error("expected a ConnectError, nothing was thrown");
}

const FORMAT = "expected MAJOR.MINOR.PATCH, for example 1.4.0";
const SUFFIX = "pre-release and build suffixes are not supported";

describe("parseVersion", () => {
  it.each([
    ["0.0.0", { major: 0, minor: 0, patch: 0 }],
    ["1.2.3", { major: 1, minor: 2, patch: 3 }],
    ["10.20.300", { major: 10, minor: 20, patch: 300 }],
  ])("reads %s", (text, version) => {
    expect(parseVersion(text)).toEqual(version);
    expect(formatVersion(parseVersion(text))).toBe(text);
  });

  it.each([
    ["1.0", `version "1.0" is not a valid version: ${FORMAT}`],
    ["1.0.0.0", `version "1.0.0.0" is not a valid version: ${FORMAT}`],
    ["v1.0.0", `version "v1.0.0" is not a valid version: ${FORMAT}`],
    ["01.0.0", `version "01.0.0" is not a valid version: ${FORMAT}`],
    [" 1.0.0", `version " 1.0.0" is not a valid version: ${FORMAT}`],
    ["", `version "" is not a valid version: ${FORMAT}`],
    ["1.0.0-beta.1", `version "1.0.0-beta.1" is not a valid version: ${SUFFIX}`],
    ["1.0.0+build.5", `version "1.0.0+build.5" is not a valid version: ${SUFFIX}`],
    [
      "99999999999999999999.0.0",
      'version "99999999999999999999.0.0" is not a valid version: number too large',
    ],
    [`1.0.0-${"x".repeat(100)}`, `version "1.0.0-${"x".repeat(26)}…" is not a valid version: ${SUFFIX}`],
  ])("refuses %j with INVALID_ARGUMENT", (text, message) => {
    const error = connectErrorOf(() => parseVersion(text));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe(message);
  });

  it("names the request field it was given", () => {
    expect(connectErrorOf(() => parseVersion("latest", "next_version")).rawMessage).toBe(
      `next_version "latest" is not a valid version: ${FORMAT}`,
    );
  });
});

describe("compareVersions", () => {
  it.each([
    ["1.0.0", "1.0.0", 0],
    ["1.0.0", "1.0.1", -1],
    ["1.0.1", "1.0.0", 1],
    ["1.10.0", "1.9.0", 1],
    ["2.0.0", "1.99.99", 1],
    ["0.9.9", "1.0.0", -1],
  ] as const)("orders %s against %s as %i", (a, b, order) => {
    expect(compareVersions(a, b)).toBe(order);
  });
});

describe("bumpVersion", () => {
  it.each([
    ["1.2.3", "major", "2.0.0"],
    ["1.2.3", "minor", "1.3.0"],
    ["1.2.3", "patch", "1.2.4"],
    ["1.2.3", "none", "1.2.3"],
    ["0.9.9", "minor", "0.10.0"],
  ] as const)("bumps %s by %s to %s", (version, level, next) => {
    expect(bumpVersion(version, level)).toBe(next);
  });
});

describe("bumpOf", () => {
  it.each([
    ["2.0.0", "major"],
    ["3.1.4", "major"],
    ["1.3.0", "minor"],
    ["1.4.7", "minor"],
    ["1.2.4", "patch"],
    ["1.2.9", "patch"],
    ["1.2.3", "none"],
    ["1.2.2", "downgrade"],
    ["1.1.9", "downgrade"],
    ["0.9.9", "downgrade"],
  ] as const)("calls 1.2.3 → %s a %s", (next, move) => {
    expect(bumpOf("1.2.3", next)).toBe(move);
  });
});
