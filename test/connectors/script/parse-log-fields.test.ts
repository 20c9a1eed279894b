import { describe, expect, it } from "vitest";
import {
  LOG_FIELD_LIMITS,
  MAX_LOG_FIELDS_JSON,
  parseLogFields,
} from "../../../src/connectors/script/log-fields.ts";

// The host's second check of the log fields a script sent: only a plain object within the bounds is
// logged; anything else leaves the line without fields rather than failing the script.
describe("parseLogFields", () => {
  it("accepts a plain object within the depth bound", () => {
    expect(parseLogFields(JSON.stringify({ a: 1, b: { c: [1, 2] } }))).toEqual({ a: 1, b: { c: [1, 2] } });
  });

  it("refuses what is not a JSON object: other types, arrays, null, bad JSON", () => {
    for (const json of [42, undefined, "[1,2]", "null", '"text"', "{not json"]) {
      expect(parseLogFields(json)).toBeUndefined();
    }
  });

  it("refuses fields nested deeper than the bound, and JSON longer than the host accepts", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i <= LOG_FIELD_LIMITS.depth; i++) deep = { next: deep };
    expect(parseLogFields(JSON.stringify(deep))).toBeUndefined();
    expect(parseLogFields(JSON.stringify({ text: "x".repeat(MAX_LOG_FIELDS_JSON) }))).toBeUndefined();
  });
});
