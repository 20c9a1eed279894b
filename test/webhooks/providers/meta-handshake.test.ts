import { describe, expect, it } from "vitest";
import { checkMetaHandshake } from "../../../src/webhooks/providers/index.ts";

const TOKEN = "meatyhamhock";

describe("checkMetaHandshake", () => {
  it("returns the challenge for a subscribe check with the configured verify token", () => {
    expect(
      checkMetaHandshake({ mode: "subscribe", challenge: "1158201444", verifyToken: TOKEN }, TOKEN),
    ).toBe("1158201444");
  });

  it("refuses a wrong or missing verify token", () => {
    expect(
      checkMetaHandshake({ mode: "subscribe", challenge: "1", verifyToken: "meatyhamhocks" }, TOKEN),
    ).toBeUndefined();
    expect(checkMetaHandshake({ mode: "subscribe", challenge: "1", verifyToken: "" }, TOKEN)).toBeUndefined();
    expect(
      checkMetaHandshake({ mode: "subscribe", challenge: "1", verifyToken: undefined }, TOKEN),
    ).toBeUndefined();
  });

  it("refuses any mode but subscribe", () => {
    expect(
      checkMetaHandshake({ mode: "unsubscribe", challenge: "1", verifyToken: TOKEN }, TOKEN),
    ).toBeUndefined();
    expect(
      checkMetaHandshake({ mode: undefined, challenge: "1", verifyToken: TOKEN }, TOKEN),
    ).toBeUndefined();
  });

  it("never matches when no verify token is configured", () => {
    expect(checkMetaHandshake({ mode: "subscribe", challenge: "1", verifyToken: "" }, "")).toBeUndefined();
  });

  it("does not echo a missing, empty or markup challenge", () => {
    for (const challenge of [undefined, "", "<script>alert(1)</script>", "1".repeat(257)]) {
      expect(checkMetaHandshake({ mode: "subscribe", challenge, verifyToken: TOKEN }, TOKEN)).toBeUndefined();
    }
  });
});
