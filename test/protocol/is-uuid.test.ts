import { describe, expect, it } from "vitest";
import { isUuid } from "../../src/protocol/is-uuid.ts";

describe("isUuid", () => {
  it.each([
    "0b5c3a4e-9f1d-4c7e-8a2b-3d4e5f6a7b8c",
    "0B5C3A4E-9F1D-4C7E-8A2B-3D4E5F6A7B8C",
    "00000000-0000-0000-0000-000000000000",
    // No RFC 9562 version or variant digit: PostgreSQL's uuid type takes it, and replay keys look so.
    "12345678-1234-0234-0234-123456789abc",
  ])("takes %s", (value) => {
    expect(isUuid(value)).toBe(true);
  });

  it.each([
    "",
    "not-a-uuid",
    "0b5c3a4e9f1d4c7e8a2b3d4e5f6a7b8c",
    "{0b5c3a4e-9f1d-4c7e-8a2b-3d4e5f6a7b8c}",
    " 0b5c3a4e-9f1d-4c7e-8a2b-3d4e5f6a7b8c",
    "0b5c3a4e-9f1d-4c7e-8a2b-3d4e5f6a7b8",
    "0b5c3a4e-9f1d-4c7e-8a2b-3d4e5f6a7b8g",
    "0b5c3a4e-9f1d-4c7e-8a2b-3d4e5f6a7b8c\n",
  ])("refuses %j", (value) => {
    expect(isUuid(value)).toBe(false);
  });
});
