import { create, type DescMessage, type FileRegistry, fromJson, type JsonObject } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../../gen/google/rpc/error_details_pb.ts";
import { createInputChecker } from "../../../src/server/input/create-input-checker.ts";
import { createRuleChecker } from "../../../src/server/input/create-rule-checker.ts";
import { REFLECTED_FILES } from "../../../src/server/routes.ts";
import { compileProto } from "../rest/compile-proto.ts";
import { withImports } from "./declared-rules.ts";

// Every kind of rule, on every shape it applies to: a top-level and a nested field, list items, map
// values, a oneof and its members, optional and implicit presence, and a recursive type.
const PROTO = `
syntax = "proto3";
package test.v1;
import "patchbay/v1/common.proto";

message Target {
  string id = 1 [(patchbay.v1.rules) = {required: true, uuid: true}];
  string note = 2 [(patchbay.v1.rules) = {max_len: 3}];
}
message Node { string name = 1 [(patchbay.v1.rules) = {required: true}]; Node child = 2; }
message Plain { string text = 1; Plain again = 2; }
message Req {
  string name = 1 [(patchbay.v1.rules) = {min_len: 1, max_len: 5}];
  string short = 2 [(patchbay.v1.rules) = {max_len: 3}];
  string long = 3 [(patchbay.v1.rules) = {min_len: 3}];
  string exact = 4 [(patchbay.v1.rules) = {min_len: 2, max_len: 2}];
  string id = 5 [(patchbay.v1.rules) = {uuid: true}];
  string color = 6 [(patchbay.v1.rules) = {in: ["red", "blue"]}];
  repeated string colors = 7 [(patchbay.v1.rules) = {required: true, in: ["red", "blue"]}];
  int32 page_size = 8 [(patchbay.v1.rules) = {min: 0}];
  optional uint32 wait_seconds = 9 [(patchbay.v1.rules) = {min: 0, max: 604800}];
  uint32 pause_seconds = 10 [(patchbay.v1.rules) = {max: 90}];
  double ratio = 11 [(patchbay.v1.rules) = {min: 0.5, max: 1}];
  Target target = 12 [(patchbay.v1.rules) = {required: true}];
  repeated Target targets = 13;
  map<string, Target> by_name = 14 [(patchbay.v1.rules) = {required: true}];
  oneof pick {
    option (patchbay.v1.oneof_required) = true;
    string pick_id = 15 [(patchbay.v1.rules) = {uuid: true}];
    Target pick_target = 16;
  }
  Node tree = 17;
  Plain plain = 18;
  int64 big = 19 [(patchbay.v1.rules) = {max: 10}];
  string slug = 20 [(patchbay.v1.rules) = {max_len: 8, pattern: "^[a-z-]+$"}];
  repeated string words = 21 [(patchbay.v1.rules) = {pattern: "^[a-z]+$"}];
  string pair = 22 [(patchbay.v1.rules) = {pattern: "^.{2}$"}];
  string part = 23 [(patchbay.v1.rules) = {pattern: "ab"}];
}
message Empty { string text = 1; Plain plain = 2; }
`;

const UUID = "0b5c3a4e-9f1d-4c7e-8a2b-3d4e5f6a7b8c";
// The smallest request that keeps every rule; each case breaks one.
const VALID: JsonObject = {
  name: "ok",
  long: "abc",
  exact: "ab",
  ratio: 0.75,
  colors: ["red"],
  target: { id: UUID },
  byName: { a: { id: UUID } },
  pickId: UUID,
};

describe("the declared-rule checker", () => {
  let registry: FileRegistry;
  let Req: DescMessage;
  const check = createRuleChecker();

  beforeAll(async () => {
    registry = await compileProto(PROTO);
    Req = registry.getMessage("test.v1.Req") as DescMessage;
  });

  const violations = (json: JsonObject) =>
    check(Req, fromJson(Req, { ...VALID, ...json }, { registry }))?.map((v) => [
      v.field,
      v.description,
      v.reason,
    ]);

  it("passes a request that keeps every rule, and one whose rule-free fields are anything", () => {
    expect(violations({})).toBeUndefined();
    expect(
      violations({ plain: { text: "x".repeat(500), again: { text: "y" } }, tree: { name: "n" }, big: "10" }),
    ).toBeUndefined();
  });

  it.each([
    [
      "an empty string under a minimum length",
      { name: "" },
      ["name", "name must be 1-5 characters", "MIN_LEN"],
    ],
    ["a string over its range", { name: "abcdef" }, ["name", "name must be 1-5 characters", "MAX_LEN"]],
    [
      "a string over its maximum",
      { short: "abcd" },
      ["short", "short must be at most 3 characters", "MAX_LEN"],
    ],
    ["a string under its minimum", { long: "ab" }, ["long", "long must be at least 3 characters", "MIN_LEN"]],
    [
      "a string of the wrong exact length",
      { exact: "abc" },
      ["exact", "exact must be exactly 2 characters", "MAX_LEN"],
    ],
    ["a malformed UUID", { id: "not-a-uuid" }, ["id", "id must be a UUID", "UUID"]],
    ["a UUID with a missing digit", { id: UUID.slice(1) }, ["id", "id must be a UUID", "UUID"]],
    ["a value outside a closed set", { color: "green" }, ["color", "color must be one of red, blue", "IN"]],
    [
      "a list item outside the set",
      { colors: ["red", "Red"] },
      ["colors[1]", "colors[1] must be one of red, blue", "IN"],
    ],
    ["an empty required list", { colors: [] }, ["colors", "colors must have at least one item", "REQUIRED"]],
    [
      "a negative number under min 0",
      { pageSize: -1 },
      ["page_size", "page_size must not be negative", "RANGE"],
    ],
    [
      "a number over a seconds range",
      { waitSeconds: 604801 },
      ["wait_seconds", "wait_seconds must be a whole number from 0 to 604800 (7 days)", "RANGE"],
    ],
    [
      "a number over a seconds maximum",
      { pauseSeconds: 91 },
      ["pause_seconds", "pause_seconds must be at most 90", "RANGE"],
    ],
    ["a double outside its range", { ratio: 0.25 }, ["ratio", "ratio must be from 0.5 to 1", "RANGE"]],
    ["a 64-bit integer over its maximum", { big: "11" }, ["big", "big must be at most 10", "RANGE"]],
    [
      "a string that does not match its pattern",
      { slug: "Bad_Slug" },
      ["slug", "slug must match the pattern ^[a-z-]+$", "PATTERN"],
    ],
    [
      "a list item that does not match",
      { words: ["ok", "n0"] },
      ["words[1]", "words[1] must match the pattern ^[a-z]+$", "PATTERN"],
    ],
    [
      "an unanchored pattern's mismatch",
      { part: "ba" },
      ["part", "part must match the pattern ab", "PATTERN"],
    ],
    ["a missing required message", { target: null }, ["target", "target is required", "REQUIRED"]],
    ["a nested field", { target: { id: "x" } }, ["target.id", "target.id must be a UUID", "UUID"]],
    ["a nested required field", { target: {} }, ["target.id", "target.id is required", "REQUIRED"]],
    [
      "a list item's field",
      { targets: [{ id: UUID }, { id: UUID, note: "long" }] },
      ["targets[1].note", "targets[1].note must be at most 3 characters", "MAX_LEN"],
    ],
    [
      "a map value's field",
      { byName: { alpha: { id: "x" } } },
      ['by_name["alpha"].id', 'by_name["alpha"].id must be a UUID', "UUID"],
    ],
    [
      "an empty required map",
      { byName: {} },
      ["by_name", "by_name must have at least one entry", "REQUIRED"],
    ],
    ["a oneof's text member", { pickId: "x" }, ["pick_id", "pick_id must be a UUID", "UUID"]],
    [
      "a oneof's message member",
      { pickId: null, pickTarget: { id: "x" } },
      ["pick_target.id", "pick_target.id must be a UUID", "UUID"],
    ],
    [
      "a recursive type, deep",
      { tree: { name: "a", child: { name: "b", child: {} } } },
      ["tree.child.child.name", "tree.child.child.name is required", "REQUIRED"],
    ],
  ])("refuses %s, naming the field", (_, json, expected) => {
    expect(violations(json as JsonObject)).toEqual([expected]);
  });

  it("refuses a required oneof with no member set, naming every member", () => {
    const { pickId: _, ...none } = VALID;
    const refused = check(Req, fromJson(Req, none, { registry }));
    expect(refused?.map((v) => [v.field, v.description, v.reason])).toEqual([
      ["pick", "pick_id or pick_target is required", "REQUIRED"],
    ]);
  });

  it("refuses a required oneof whose member is chosen with its zero value, as if none were set", () => {
    const { pickId: _, ...none } = VALID;
    const refused = check(Req, fromJson(Req, { ...none, pickId: "" }, { registry }));
    expect(refused?.map((v) => [v.field, v.description, v.reason])).toEqual([
      ["pick", "pick_id or pick_target is required", "REQUIRED"],
    ]);
  });

  it("lets an empty string and an unset number pass every rule but required and a minimum length", () => {
    expect(violations({ id: "", color: "", short: "", slug: "", waitSeconds: null })).toBeUndefined();
  });

  it("checks a pattern after the length, with Unicode semantics, unanchored unless it says so", () => {
    // Too long and not matching: the length is named, and the expression never reads the long value.
    expect(violations({ slug: "X".repeat(9) })).toEqual([
      ["slug", "slug must be at most 8 characters", "MAX_LEN"],
    ]);
    expect(violations({ slug: "a-b", words: ["x", "yz"], part: "xaby" })).toBeUndefined();
    // Two emoji are two characters to `.`, as JSON Schema's `pattern` reads them (four UTF-16 units).
    expect(violations({ pair: "👋👋" })).toBeUndefined();
    expect(violations({ pair: "👋" })).toEqual([["pair", "pair must match the pattern ^.{2}$", "PATTERN"]]);
  });

  it("counts characters as code points, like JSON Schema: four emoji are four characters", () => {
    expect(violations({ name: "👋👋👋👋👋" })).toBeUndefined();
    expect(violations({ name: "👋👋👋👋👋👋" })).toEqual([
      ["name", "name must be 1-5 characters", "MAX_LEN"],
    ]);
  });

  it("takes any version of UUID in either case, as PostgreSQL does", () => {
    for (const id of [
      "00000000-0000-0000-0000-000000000000",
      UUID.toUpperCase(),
      "ffffffff-ffff-1fff-ffff-ffffffffffff",
    ])
      expect(violations({ id })).toBeUndefined();
  });

  it("reports every violation of a request, in field order", () => {
    expect(violations({ name: "", id: "x", colors: ["x", "y"] })?.map(([field]) => field)).toEqual([
      "name",
      "id",
      "colors[0]",
      "colors[1]",
    ]);
  });

  it("passes a type that declares no rule at any depth without looking at it", () => {
    const Empty = registry.getMessage("test.v1.Empty") as DescMessage;
    expect(check(Empty, create(Empty))).toBeUndefined();
  });

  it("compiles the declared rules of every API request: each pattern is a valid expression", () => {
    const requests = withImports(REFLECTED_FILES).flatMap((file) =>
      file.services.flatMap((service) => service.methods.map((method) => method.input)),
    );
    expect(requests.length).toBeGreaterThan(10);
    for (const request of requests) expect(() => check(request, create(request))).not.toThrow();
  });

  it("is built per server: two checkers share no compiled plan", () => {
    const other = createRuleChecker();
    const bad = fromJson(Req, { ...VALID, id: "x" }, { registry });
    expect(other(Req, bad)).toEqual(check(Req, bad));
  });
});

describe("the input checker's refusal", () => {
  let registry: FileRegistry;
  let Req: DescMessage;
  const check = createInputChecker();

  beforeAll(async () => {
    registry = await compileProto(PROTO);
    Req = registry.getMessage("test.v1.Req") as DescMessage;
  });

  it("is INVALID_ARGUMENT whose message names the fields and whose BadRequest detail lists them all", () => {
    const error = check(Req, fromJson(Req, { ...VALID, id: "x", color: "green" }, { registry }));
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.rawMessage).toBe("id must be a UUID; color must be one of red, blue");
    const [detail] = error?.findDetails(BadRequestSchema) ?? [];
    expect(detail?.fieldViolations.map((v) => ({ field: v.field, reason: v.reason }))).toEqual([
      { field: "id", reason: "UUID" },
      { field: "color", reason: "IN" },
    ]);
  });

  it("shows the first five violations in the message and keeps every one in the detail", () => {
    const error = check(
      Req,
      fromJson(Req, { ...VALID, colors: ["a", "b", "c", "d", "e", "f", "g"] }, { registry }),
    );
    expect(error?.rawMessage).toMatch(
      /^colors\[0\] must be one of red, blue; .*colors\[4\][^;]*\(and 2 more\)$/,
    );
    expect(error?.findDetails(BadRequestSchema)[0]?.fieldViolations).toHaveLength(7);
  });

  it("checks text first: a NUL is refused with its own rule, as a BadRequest too", () => {
    const error = check(Req, fromJson(Req, { ...VALID, id: "x\u0000" }, { registry }));
    expect(error?.rawMessage).toBe("id must not contain U+0000 (NUL)");
    expect(error?.findDetails(BadRequestSchema)[0]?.fieldViolations[0]).toMatchObject({
      field: "id",
      reason: "TEXT",
    });
  });
});
