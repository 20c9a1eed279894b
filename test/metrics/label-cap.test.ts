import { describe, expect, it } from "vitest";
import { createLabelCap, createPairCap, OVERFLOW_LABEL } from "../../src/metrics/label-cap.ts";

describe("label caps", () => {
  it("keep the first values and count later ones as other", () => {
    const cap = createLabelCap(2);
    expect(["a", "b", "c", "a", "b", "c"].map(cap)).toEqual([
      "a",
      "b",
      OVERFLOW_LABEL,
      "a",
      "b",
      OVERFLOW_LABEL,
    ]);
  });

  it("keep the first pairs, whichever first value they share, and count later ones as other", () => {
    const cap = createPairCap(3);
    expect(cap("echo", "a")).toBe("a");
    expect(cap("echo", "b")).toBe("b");
    expect(cap("crm", "a")).toBe("a");
    // The fourth distinct pair, under a known first value and under a new one.
    expect(cap("echo", "c")).toBe(OVERFLOW_LABEL);
    expect(cap("jira", "a")).toBe(OVERFLOW_LABEL);
    // Pairs kept before stay kept; a separator in a value makes no new pair out of old ones.
    expect(cap("echo", "b")).toBe("b");
    expect(cap("crm", "a")).toBe("a");
    expect(cap("echo\u0000b", "")).toBe(OVERFLOW_LABEL);
  });
});
