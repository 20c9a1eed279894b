import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { type Principal, principalKey, requirePrincipal } from "../../src/auth/index.ts";

const alice: Principal = {
  keyId: "key-1",
  tenantId: "default",
  subject: "alice",
  scopes: ["execute"],
  rateTier: "",
};

describe("requirePrincipal", () => {
  it("returns the principal the auth interceptor left for the handler", () => {
    const values = createContextValues();
    values.set(principalKey, alice);
    expect(requirePrincipal({ values })).toBe(alice);
  });

  it("refuses a call that reached its handler without one as UNAUTHENTICATED", () => {
    let refused: unknown;
    try {
      requirePrincipal({ values: createContextValues() });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ConnectError);
    expect((refused as ConnectError).code).toBe(Code.Unauthenticated);
  });
});
