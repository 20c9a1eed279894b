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
    ["an egress refusal", fail({ errorCode: "EGRESS_REFUSED" }), "command_failed"],
    ["a script over its time", fail({ errorCode: "SCRIPT_TIMEOUT" }), "timeout"],
    ["a script over its memory", fail({ errorCode: "SCRIPT_MEMORY_LIMIT" }), "internal"],
    ["a script over its HTTP calls", fail({ errorCode: "SCRIPT_HTTP_LIMIT" }), "internal"],
    ["a script that threw", fail({ errorCode: "SCRIPT_ERROR" }), "internal"],
    ["a full script sandbox queue", fail({ errorCode: "SCRIPT_QUEUE_FULL" }), "upstream_rate_limited"],
    ["an outbound network failure", fail({ errorCode: "NETWORK" }), "upstream_unavailable"],
    ["one outbound request timing out", fail({ errorCode: "UPSTREAM_TIMEOUT" }), "upstream_unavailable"],
    ["an oversized upstream answer", fail({ errorCode: "TOO_LARGE" }), "command_failed"],
    [
      "an unreachable external connector",
      fail({ errorCode: "EXTERNAL_UNREACHABLE" }),
      "upstream_unavailable",
    ],
    ["a connector's INVALID_ARGUMENT", fail({ errorCode: "EXTERNAL_INVALID_ARGUMENT" }), "invalid_params"],
    ["a connector's UNAUTHENTICATED", fail({ errorCode: "EXTERNAL_UNAUTHENTICATED" }), "upstream_auth"],
    [
      "a connector's RESOURCE_EXHAUSTED",
      fail({ errorCode: "EXTERNAL_RESOURCE_EXHAUSTED" }),
      "upstream_rate_limited",
    ],
    ["a connector's INTERNAL", fail({ errorCode: "EXTERNAL_INTERNAL" }), "internal"],
    [
      "a connector's FAILED_PRECONDITION",
      fail({ errorCode: "EXTERNAL_FAILED_PRECONDITION" }),
      "command_failed",
    ],
    ["an HTTP connector's 400", fail({ errorCode: "EXTERNAL_HTTP_400" }), "invalid_params"],
    ["an HTTP connector's 503", fail({ errorCode: "EXTERNAL_HTTP_503" }), "upstream_unavailable"],
    [
      "an HTTP connector's 422 by its diagnostics",
      fail({ errorCode: "EXTERNAL_HTTP_422", diagnostics: { statusCode: 429 } }),
      "upstream_rate_limited",
    ],
    ["an HTTP connector's bare 422", fail({ errorCode: "EXTERNAL_HTTP_422" }), "command_failed"],
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
