import { describe, expect, it } from "vitest";
import {
  timingSafeEqualBase64,
  timingSafeEqualHex,
  timingSafeEqualString,
} from "../../../src/webhooks/providers/timing-safe-equal.ts";

const BYTES = Buffer.from([0xde, 0xad, 0xbe, 0xef]);

describe("timing-safe comparisons", () => {
  it("matches hex in either case and nothing else", () => {
    expect(timingSafeEqualHex(BYTES, "deadbeef")).toBe(true);
    expect(timingSafeEqualHex(BYTES, "DEADBEEF")).toBe(true);
    for (const other of ["deadbeee", "deadbee", "deadbeef00", "deadbeeg", "", "dead beef"]) {
      expect(timingSafeEqualHex(BYTES, other)).toBe(false);
    }
  });

  it("matches padded base64 and nothing else", () => {
    expect(timingSafeEqualBase64(BYTES, "3q2+7w==")).toBe(true);
    for (const other of ["3q2-7w==", "3q2+7w", "3q2+7x==", "", "3q2+7w==="]) {
      expect(timingSafeEqualBase64(BYTES, other)).toBe(false);
    }
  });

  it("compares strings by their UTF-8 bytes, any length", () => {
    expect(timingSafeEqualString("täst", "täst")).toBe(true);
    expect(timingSafeEqualString("täst", "tast")).toBe(false);
    expect(timingSafeEqualString("a", "a".repeat(1000))).toBe(false);
  });
});
