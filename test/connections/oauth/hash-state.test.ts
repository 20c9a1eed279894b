import { describe, expect, it } from "vitest";
import { hashState, stateMatches } from "../../../src/connections/oauth/hash-state.ts";

describe("hashState", () => {
  it("is the SHA-256 hex digest (FIPS 180-2 vector for 'abc')", () => {
    expect(hashState("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("differs for states that differ in one character", () => {
    expect(hashState("state-a")).not.toBe(hashState("state-b"));
  });
});

describe("stateMatches", () => {
  it("accepts the state a hash was made from and nothing else", () => {
    const hash = hashState("the-state");
    expect(stateMatches("the-state", hash)).toBe(true);
    expect(stateMatches("the-statf", hash)).toBe(false);
    expect(stateMatches("", hash)).toBe(false);
    expect(stateMatches("the-state", "short")).toBe(false);
    expect(stateMatches("the-state", hash.toUpperCase())).toBe(false);
  });
});
