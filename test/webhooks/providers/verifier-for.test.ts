import { describe, expect, it } from "vitest";
import { PROVIDERS, REJECT_STATUS, VERIFIERS, verifierFor } from "../../../src/webhooks/providers/index.ts";

describe("verifierFor", () => {
  it("lists the nine providers", () => {
    expect(PROVIDERS).toEqual([
      "telegram",
      "slack",
      "discord",
      "whatsapp",
      "twilio",
      "gmail",
      "github",
      "linear",
      "stripe",
    ]);
  });

  it.each(PROVIDERS)("returns the %s verifier under its own name", (provider) => {
    const verifier = verifierFor(provider);
    expect(verifier).toBe(VERIFIERS[provider]);
    expect(verifier?.provider).toBe(provider);
  });

  it("returns undefined for unknown names, other cases and object-prototype keys", () => {
    for (const name of ["", "Stripe", "paypal", "__proto__", "constructor", "toString", "hasOwnProperty"]) {
      expect(verifierFor(name)).toBeUndefined();
    }
  });
});

describe("REJECT_STATUS", () => {
  it.each([
    ["SIGNATURE_MISSING", 401],
    ["SIGNATURE_MISMATCH", 401],
    ["TIMESTAMP_STALE", 401],
    ["MALFORMED_BODY", 400],
    ["TOKEN_INVALID", 401],
  ] as const)("answers %s with %i", (code, status) => {
    expect(REJECT_STATUS[code]).toBe(status);
  });

  it("has exactly the five reject codes", () => {
    expect(Object.keys(REJECT_STATUS)).toHaveLength(5);
  });
});
