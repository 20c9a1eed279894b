import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { ConnectorResult } from "../../src/connectors/index.ts";
import { CODE_BY_FAILURE_CLASS, classifyFailure, redactDiagnostics } from "../../src/execute/index.ts";

describe("the failure class → code table (issue 6)", () => {
  it.each([
    ["invalid_params", Code.InvalidArgument],
    ["not_connected", Code.FailedPrecondition],
    ["upstream_auth", Code.FailedPrecondition],
    ["command_failed", Code.FailedPrecondition],
    ["upstream_rate_limited", Code.ResourceExhausted],
    ["upstream_unavailable", Code.Unavailable],
    ["timeout", Code.DeadlineExceeded],
    ["internal", Code.Internal],
  ] as const)("%s → %s", (failureClass, code) => {
    expect(CODE_BY_FAILURE_CLASS[failureClass]).toBe(code);
  });

  it("has exactly the eight classes", () => {
    expect(Object.keys(CODE_BY_FAILURE_CLASS)).toHaveLength(8);
  });
});

describe("classifyFailure", () => {
  const fail = (extra: Partial<ConnectorResult>): ConnectorResult => ({
    success: false,
    error: "x",
    ...extra,
  });
  it.each([
    ["a missing required field", fail({ errorCode: "MISSING_REQUIRED_FIELDS" }), "invalid_params"],
    ["an invalid param", fail({ errorCode: "INVALID_PARAMS" }), "invalid_params"],
    ["an unknown command", fail({ errorCode: "UNKNOWN_COMMAND" }), "invalid_params"],
    ["a timeout", fail({ errorCode: "TIMEOUT" }), "timeout"],
    ["legacy result keys (a connector bug)", fail({ errorCode: "LEGACY_RESULT_KEYS" }), "internal"],
    ["upstream 401", fail({ diagnostics: { status: 401 } }), "upstream_auth"],
    ["upstream 403 as statusCode", fail({ diagnostics: { statusCode: 403 } }), "upstream_auth"],
    ["upstream 429", fail({ diagnostics: { status: 429 } }), "upstream_rate_limited"],
    ["upstream 502", fail({ diagnostics: { status: 502 } }), "upstream_unavailable"],
    ["upstream 404", fail({ diagnostics: { status: 404 } }), "command_failed"],
    ["a thrown error", fail({ errorCode: "HANDLER_THREW" }), "command_failed"],
    ["a plain fail()", fail({}), "command_failed"],
  ] as const)("classifies %s", (_name, result, expected) => {
    expect(classifyFailure(result)).toBe(expected);
  });
});

describe("redactDiagnostics", () => {
  it("removes secrets and personal fields at any depth and cuts long strings", () => {
    const out = redactDiagnostics({
      status: 400,
      responseBody: {
        email: "a@b.c",
        user: { phone: "+1 555", first_name: "Ada" },
        token: "t",
        note: "x".repeat(2000),
      },
      Authorization: "Bearer z",
    }) as Record<string, unknown>;
    expect(JSON.stringify(out)).not.toMatch(/a@b\.c|\+1 555|Ada|Bearer z|"t"/);
    expect(out.status).toBe(400);
    expect(((out.responseBody as Record<string, string>).note ?? "").length).toBeLessThanOrEqual(501);
  });
});
