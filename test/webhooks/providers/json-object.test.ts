import { describe, expect, it } from "vitest";
import { parseJsonObject } from "../../../src/webhooks/providers/json-object.ts";

// JSON objects `levels` levels deep, their own level the first: arrays below the top, or only objects.
const arrays = (levels: number) =>
  `{"action":"opened","nest":${"[".repeat(levels - 1)}${"]".repeat(levels - 1)}}`;
const objects = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${"}".repeat(levels - 1)}`;

describe("parseJsonObject", () => {
  it("parses an object nested 32 levels deep, the webhook payload limit", () => {
    for (const body of [arrays(31), arrays(32), objects(32)]) {
      expect(parseJsonObject(body)).toEqual(JSON.parse(body));
      expect(parseJsonObject(Buffer.from(body))).toEqual(JSON.parse(body));
    }
  });

  it("refuses an object nested 33 levels deep, in arrays or objects, anywhere in it", () => {
    for (const body of [arrays(33), objects(33), arrays(64), objects(65)]) {
      expect(JSON.parse(body)).toBeTypeOf("object");
      expect(parseJsonObject(body)).toBeUndefined();
      expect(parseJsonObject(Buffer.from(body))).toBeUndefined();
    }
    // Past a wide first member, under a key JSON.parse makes an own property of.
    const late = `{"wide":[${"1,".repeat(1000)}1],"__proto__":{"x":${"[".repeat(31)}${"]".repeat(31)}}}`;
    expect(parseJsonObject(late)).toBeUndefined();
    expect(parseJsonObject(late.replace("[[", "[").replace("]]", "]"))).toBeDefined();
  });

  it("refuses objects 1,000,000 levels deep, which JSON.stringify cannot write, without a stack overflow", () => {
    for (const body of [arrays(1_000_000), objects(1_000_000)]) {
      expect(() => JSON.stringify(JSON.parse(body))).toThrow(RangeError);
      expect(parseJsonObject(body)).toBeUndefined();
    }
  });
});
