import { describe, expect, it } from "vitest";
import { inputSchemaOf, outputSchemaOf } from "../../src/mcp/input-schema.ts";

describe("inputSchemaOf (a command's params as a tool's JSON Schema)", () => {
  it("maps types, required fields, enums and defaults", () => {
    expect(
      inputSchemaOf({
        params: ["q", "limit", "order", "since", "extra", "untyped"],
        paramSchema: {
          q: { type: "string", required: true, description: "Search text." },
          limit: { type: "number", default: 10 },
          order: { type: "select", options: ["asc", "desc"], default: "desc" },
          since: { type: "date" },
          extra: { type: "raw" },
        },
      }),
    ).toEqual({
      type: "object",
      properties: {
        q: { type: "string", description: "Search text." },
        limit: { type: "number", default: 10 },
        order: { type: "string", enum: ["asc", "desc"], default: "desc" },
        since: { type: "string", format: "date-time" },
        extra: {},
        untyped: { type: "string" },
      },
      required: ["q"],
    });
  });

  it("is an empty object schema for a command without params", () => {
    expect(inputSchemaOf({})).toEqual({ type: "object", properties: {} });
  });
});

describe("outputSchemaOf (a command's declared outputs)", () => {
  it("lists the declared keys, none required, and is absent without outputs", () => {
    expect(outputSchemaOf({ outputs: ["posts", "nextPage"] })).toEqual({
      type: "object",
      properties: { posts: {}, nextPage: {} },
    });
    expect(outputSchemaOf({})).toBeUndefined();
  });
});
