import { describe, expect, it } from "vitest";
import { jsonLength } from "../../../src/connectors/openapi/json-length.ts";
import { parseOpenApi } from "../../../src/connectors/openapi/parse-openapi.ts";
import { fixture } from "./fixtures.ts";

describe("jsonLength", () => {
  it("is the length of JSON.stringify for plain data, escapes and left-out members included", () => {
    const values: unknown[] = [
      null,
      true,
      false,
      0,
      -12.5e-7,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      "",
      'quote " backslash \\ newline \n tab \t nul \u0000 emoji 🙂 lone \ud800 é',
      [],
      {},
      [undefined, 1, null, "a"],
      { a: undefined, b: 1 },
      { only: undefined },
      { 'key with "quotes"': [{ nested: [[], {}] }], n: -0 },
    ];
    for (const value of values)
      expect(jsonLength(value), JSON.stringify(value)).toBe(JSON.stringify(value).length);
  });

  it("counts a shared object at every place it appears, measuring it once", () => {
    const shared = { type: "string", enum: ["a", "b"] };
    const value = { a: shared, b: [shared, shared], c: { d: shared } };
    expect(jsonLength(value)).toBe(JSON.stringify(value).length);
    // A chain of objects each holding the next twice: 2^60 copies written out, 60 objects measured.
    let chain: object = { leaf: true };
    for (let i = 0; i < 60; i++) chain = { left: chain, right: chain };
    expect(jsonLength(chain)).toBeGreaterThan(2 ** 60);
  });

  it("measures an imported plan exactly", async () => {
    const draft = await parseOpenApi(fixture("@readme/oas-examples/3.0/json/schema-circular.json"));
    expect(jsonLength(draft.openapi)).toBe(JSON.stringify(draft.openapi).length);
    expect(jsonLength(draft.configSchema)).toBe(JSON.stringify(draft.configSchema).length);
  });
});
