import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { clampTimeout, MAX_TIMEOUT_MS } from "../../../src/server/edge/clamp-timeout.ts";

const clamp = (name: string, value: string, grpc = name === "grpc-timeout") => {
  const header = new Headers({ [name]: value });
  const refusal = clampTimeout(header, grpc, MAX_TIMEOUT_MS);
  return { value: header.get(name), refusal };
};

describe("clampTimeout", () => {
  it.each([
    ["99999999H", `${MAX_TIMEOUT_MS}m`],
    ["2147484S", `${MAX_TIMEOUT_MS}m`],
    ["61M", `${MAX_TIMEOUT_MS}m`],
    ["60M", "60M"],
    ["3600000m", "3600000m"],
    ["5S", "5S"],
    ["999u", "999u"],
  ])("lowers grpc-timeout %s to %s", (value, expected) => {
    expect(clamp("grpc-timeout", value)).toEqual({ value: expected, refusal: undefined });
  });

  it.each([
    ["9999999999", String(MAX_TIMEOUT_MS)],
    [String(2 ** 31), String(MAX_TIMEOUT_MS)],
    [String(MAX_TIMEOUT_MS), String(MAX_TIMEOUT_MS)],
    ["250", "250"],
  ])("lowers connect-timeout-ms %s to %s", (value, expected) => {
    expect(clamp("connect-timeout-ms", value)).toEqual({ value: expected, refusal: undefined });
  });

  it.each([
    ["grpc-timeout", "123456789S"],
    ["grpc-timeout", "10"],
    ["grpc-timeout", "1h"],
    ["connect-timeout-ms", "12345678901"],
    ["connect-timeout-ms", "-1"],
    ["connect-timeout-ms", "1e9"],
  ])("refuses a malformed %s (%s) without quoting it", (name, value) => {
    const { refusal } = clamp(name, value);
    expect(refusal?.code).toBe(Code.InvalidArgument);
    expect(refusal?.rawMessage).toBe(`malformed ${name} header`);
  });

  it("reads only the header of the request's protocol", () => {
    const header = new Headers({ "grpc-timeout": "nonsense", "connect-timeout-ms": "9999999999" });
    expect(clampTimeout(header, false, MAX_TIMEOUT_MS)).toBeUndefined();
    expect(header.get("connect-timeout-ms")).toBe(String(MAX_TIMEOUT_MS));
    expect(header.get("grpc-timeout")).toBe("nonsense");
  });

  it("keeps every clamped deadline within Node's timers and gRPC's eight digits", () => {
    expect(MAX_TIMEOUT_MS).toBeLessThan(2 ** 31 - 1);
    expect(String(MAX_TIMEOUT_MS).length).toBeLessThanOrEqual(8);
  });
});
