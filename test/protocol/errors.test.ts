import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { toClientError, writable } from "../../src/protocol/errors.ts";

describe("errors shared by many calls", () => {
  const shared = () =>
    Object.freeze(new ConnectError("the server is stopping", Code.Canceled, { "x-kept": "1" }));

  it("copies a frozen error before anything is written on it, keeping its code, words and metadata", () => {
    const error = shared();
    const copy = toClientError(error, "req-1");
    expect(copy).not.toBe(error);
    expect([copy.code, copy.rawMessage, copy.metadata.get("x-kept")]).toEqual([
      Code.Canceled,
      "the server is stopping",
      "1",
    ]);
    expect(copy.cause).toBe(error);
    copy.metadata.set("x-request-id", "req-1");
    expect(error.metadata.has("x-request-id")).toBe(false);
  });

  it("keeps a call's own error as it is", () => {
    const error = new ConnectError("not found", Code.NotFound);
    expect(writable(error)).toBe(error);
    expect(toClientError(error, "req-2")).toBe(error);
  });
});
