import { describe, expect, it } from "vitest";
import {
  type ConnectorResult,
  fail,
  LEGACY_KEYS_MESSAGE,
  outcomeToResult,
  succeed,
} from "../../../src/connectors/index.ts";

const payload = { id: 7, name: "Ada" };
const variables = { userCount: 1 };
const diagnostics = { statusCode: 502, responseBody: "bad gateway" };

/** One row per row of seed 004's "accepted outcome shapes" table and its "Key semantics" list. */
const rows: ReadonlyArray<readonly [string, unknown, ConnectorResult]> = [
  // succeed({ payload?, variables? }) → { success: true, payload, variables }
  ["succeed() with no slots", succeed(), { success: true }],
  ["succeed() with payload only", succeed({ payload }), { success: true, payload }],
  ["succeed() with variables only", succeed({ variables }), { success: true, variables }],
  [
    "succeed() with payload and variables",
    succeed({ payload, variables }),
    { success: true, payload, variables },
  ],
  // fail({ error, diagnostics?, variables? }) → { success: false, error, diagnostics, variables }
  ["fail() with an error only", fail({ error: "nope" }), { success: false, error: "nope" }],
  [
    "fail() with diagnostics",
    fail({ error: "nope", diagnostics }),
    { success: false, error: "nope", diagnostics },
  ],
  [
    "fail() with variables (a failing call may write variables)",
    fail({ error: "nope", variables: { errorFlag: true } }),
    { success: false, error: "nope", variables: { errorFlag: true } },
  ],
  [
    "fail() with diagnostics and variables",
    fail({ error: "nope", diagnostics, variables }),
    { success: false, error: "nope", diagnostics, variables },
  ],
  // An explicit ConnectorResult is returned verbatim.
  [
    "an explicit successful ConnectorResult",
    { success: true, payload, variables },
    { success: true, payload, variables },
  ],
  [
    "an explicit failed ConnectorResult with every slot",
    { success: false, error: "nope", diagnostics, variables },
    { success: false, error: "nope", diagnostics, variables },
  ],
  [
    "an explicit success: false without an error string (uncommon but legal)",
    { success: false, diagnostics },
    { success: false, diagnostics },
  ],
  ["a bare { success: false }", { success: false }, { success: false }],
  // Non-object / undefined / no return → { success: true }
  ["undefined (no return)", undefined, { success: true }],
  ["null", null, { success: true }],
  ["a string", "done", { success: true }],
  ["a number", 42, { success: true }],
  ["a boolean", false, { success: true }],
  ["an array", [payload], { success: true }],
  // Key semantics: diagnostics are failure-only.
  [
    "diagnostics on an explicit success (dropped)",
    { success: true, payload, diagnostics },
    { success: true, payload },
  ],
  ["diagnostics on a plain success object (dropped)", { payload, diagnostics }, { success: true, payload }],
  // Key semantics: a plain { payload, variables } object is a success.
  ["a plain { payload, variables } object", { payload, variables }, { success: true, payload, variables }],
  ["a plain { variables } object", { variables }, { success: true, variables }],
];

describe("outcomeToResult", () => {
  it.each(rows)("normalizes %s", (_name, outcome, expected) => {
    expect(outcomeToResult(outcome)).toStrictEqual(expected);
  });

  it("keeps the payload object itself rather than a copy", () => {
    const result = outcomeToResult(succeed({ payload }));
    expect(result.payload).toBe(payload);
  });

  it.each([
    ["data on a success", { success: true, data: payload }],
    ["outputVariables on a success", { success: true, outputVariables: variables }],
    ["data without a success flag", { data: payload }],
    ["outputVariables next to protocol 2.0 slots", { payload, outputVariables: variables }],
    ["data on a failure", { success: false, error: "nope", data: payload }],
  ])("rejects legacy protocol 1.x keys (%s) with the upgrade message", (_name, outcome) => {
    expect(outcomeToResult(outcome)).toStrictEqual({
      success: false,
      error: LEGACY_KEYS_MESSAGE,
      errorCode: "LEGACY_RESULT_KEYS",
    });
  });

  it("tells the connector author what to change in the upgrade message", () => {
    expect(LEGACY_KEYS_MESSAGE).toMatch(/data\/outputVariables/);
    expect(LEGACY_KEYS_MESSAGE).toMatch(/payload/);
    expect(LEGACY_KEYS_MESSAGE).toMatch(/diagnostics/);
    expect(LEGACY_KEYS_MESSAGE).toMatch(/upgrade/);
  });

  it("drops slots that are not JSON objects instead of passing them on", () => {
    expect(outcomeToResult({ success: true, payload: [1, 2], variables: "x" })).toStrictEqual({
      success: true,
    });
    expect(outcomeToResult({ success: false, error: "nope", diagnostics: 5 })).toStrictEqual({
      success: false,
      error: "nope",
    });
  });

  it("treats an object with an error string and no success flag as a failure", () => {
    expect(outcomeToResult({ error: "nope", diagnostics })).toStrictEqual({
      success: false,
      error: "nope",
      diagnostics,
    });
  });
});

describe("succeed and fail", () => {
  it("build the three-slot outcome without inventing empty slots", () => {
    expect(succeed()).toStrictEqual({ success: true });
    expect(succeed({ payload })).toStrictEqual({ success: true, payload });
    expect(fail({ error: "nope" })).toStrictEqual({ success: false, error: "nope" });
    expect(fail({ error: "nope", variables })).toStrictEqual({ success: false, error: "nope", variables });
  });
});
