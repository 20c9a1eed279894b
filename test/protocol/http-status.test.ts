import type { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { HTTP_STATUS_BY_CODE, httpStatusOf } from "../../src/protocol/http-status.ts";
import { CONNECT_STATUS_TABLE } from "../server/rest/connect-status-table.ts";

describe("Code → HTTP status (the Connect table)", () => {
  it.each(CONNECT_STATUS_TABLE)("maps code %i (%s) to HTTP %i", (code, _wire, status) => {
    expect(HTTP_STATUS_BY_CODE[code]).toBe(status);
    expect(httpStatusOf(code)).toBe(status);
  });

  it("has exactly the 16 codes, each once", () => {
    expect(
      Object.keys(HTTP_STATUS_BY_CODE)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(CONNECT_STATUS_TABLE.map(([code]) => code).sort((a, b) => a - b));
    expect(Object.keys(HTTP_STATUS_BY_CODE)).toHaveLength(16);
  });

  it.each([0, 17, -1, 99])("answers 500 for the out-of-range code %i", (code) => {
    expect(httpStatusOf(code as Code)).toBe(500);
  });
});
