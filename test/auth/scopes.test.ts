import { describe, expect, it } from "vitest";
import { hasScope, isScope, SCOPES } from "../../src/auth/scopes.ts";

describe("hasScope", () => {
  it("allows a scope that was granted", () => {
    expect(hasScope(["catalog:read", "execute"], "execute")).toBe(true);
  });

  it("refuses a scope that was not granted", () => {
    expect(hasScope(["catalog:read"], "catalog:write")).toBe(false);
  });

  it("refuses everything when nothing was granted", () => {
    expect(hasScope([], "catalog:read")).toBe(false);
  });

  it.each(SCOPES)("lets admin act as %s", (scope) => {
    expect(hasScope(["admin"], scope)).toBe(true);
  });

  it("does not let webhooks:admin act as admin", () => {
    expect(hasScope(["webhooks:admin"], "admin")).toBe(false);
  });

  it("matches scope names exactly, not by prefix", () => {
    expect(hasScope(["catalog"], "catalog:read")).toBe(false);
    expect(hasScope(["catalog:read"], "catalog")).toBe(false);
  });
});

describe("isScope", () => {
  it.each(SCOPES)("accepts %s", (scope) => {
    expect(isScope(scope)).toBe(true);
  });

  it.each(["", "ADMIN", "catalog", "catalog:read ", "*", "webhooks"])("rejects %j", (value) => {
    expect(isScope(value)).toBe(false);
  });
});
