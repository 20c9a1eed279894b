import type { TokenEndpointResponse } from "oauth4webapi";
import { describe, expect, it } from "vitest";
import { toTokenSet } from "../../../src/connections/oauth/token-set.ts";

const now = new Date("2030-01-01T00:00:00.000Z");
const answer = (extra: Partial<TokenEndpointResponse> = {}): TokenEndpointResponse => ({
  access_token: "at",
  token_type: "bearer",
  ...extra,
});

describe("toTokenSet", () => {
  it("turns expires_in into an instant measured from the given clock", () => {
    expect(toTokenSet(answer({ expires_in: 90 }), { now, scopes: [] }).expiresAt).toEqual(
      new Date("2030-01-01T00:01:30.000Z"),
    );
  });

  it("splits scopes on spaces (RFC 6749) and on commas (GitHub)", () => {
    expect(toTokenSet(answer({ scope: "a b  c" }), { now, scopes: [] }).scopes).toEqual(["a", "b", "c"]);
    expect(toTokenSet(answer({ scope: "repo,read:user" }), { now, scopes: [] }).scopes).toEqual([
      "repo",
      "read:user",
    ]);
  });

  it("falls back to the given scopes and refresh token when the answer has none", () => {
    const tokens = toTokenSet(answer(), { now, scopes: ["x"], refreshToken: "old" });
    expect(tokens).toEqual({ accessToken: "at", refreshToken: "old", scopes: ["x"], tokenType: "bearer" });
  });

  it("prefers the answer's refresh token to the old one", () => {
    expect(
      toTokenSet(answer({ refresh_token: "new" }), { now, scopes: [], refreshToken: "old" }).refreshToken,
    ).toBe("new");
  });
});
