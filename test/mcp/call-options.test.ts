import { describe, expect, it } from "vitest";
import { callOptionsOf, IDEMPOTENCY_KEY_META, TIMEOUT_MS_META } from "../../src/mcp/call-options.ts";

describe("callOptionsOf", () => {
  it("reads Execute's defaults when _meta carries neither key", () => {
    expect(callOptionsOf(undefined)).toEqual({ idempotencyKey: "", timeoutMs: 0 });
    expect(callOptionsOf({ progressToken: 1 })).toEqual({ idempotencyKey: "", timeoutMs: 0 });
  });

  it("reads the idempotency key and the time budget", () => {
    expect(callOptionsOf({ [IDEMPOTENCY_KEY_META]: "order-42", [TIMEOUT_MS_META]: 5000 })).toEqual({
      idempotencyKey: "order-42",
      timeoutMs: 5000,
    });
    // A budget above the server's maximum is clamped where Execute clamps it, not refused.
    expect(callOptionsOf({ [TIMEOUT_MS_META]: 2 ** 32 - 1 }).timeoutMs).toBe(2 ** 32 - 1);
  });

  it.each([
    [{ [TIMEOUT_MS_META]: -1 }, TIMEOUT_MS_META],
    [{ [TIMEOUT_MS_META]: 2 ** 32 }, TIMEOUT_MS_META],
    [{ [TIMEOUT_MS_META]: null }, TIMEOUT_MS_META],
    [{ [IDEMPOTENCY_KEY_META]: ["a"] }, IDEMPOTENCY_KEY_META],
    [{ [IDEMPOTENCY_KEY_META]: "x".repeat(129) }, IDEMPOTENCY_KEY_META],
  ])("refuses %o naming %s", (meta, field) => {
    expect(() => callOptionsOf(meta)).toThrow(field);
  });
});
