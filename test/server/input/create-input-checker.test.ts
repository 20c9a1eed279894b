import { create, type DescMessage, type FileRegistry, fromJson, type JsonObject } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { beforeAll, describe, expect, it } from "vitest";
import { createInputChecker } from "../../../src/server/input/create-input-checker.ts";
import { INPUT_LIMITS } from "../../../src/server/input/input-limits.ts";
import { compileProto } from "../rest/compile-proto.ts";

// Every shape a request field can take: nested, repeated, maps (text and number keys), oneofs, Google's
// JSON types in both of protobuf-es's representations (Struct field: a JSON object; Value: a message),
// an unwrapped StringValue, a recursive type, and a per-field limit.
const PROTO = `
syntax = "proto3";
package test.v1;
import "google/protobuf/struct.proto";
import "google/protobuf/wrappers.proto";
import "patchbay/v1/common.proto";

message Leaf { string text = 1; int32 n = 2; }
message Node { string name = 1; Node child = 2; }
message Counts { int32 a = 1; repeated int32 more = 2 [(patchbay.v1.max_items) = 2]; }
message Req {
  string text = 1;
  Leaf leaf = 2;
  repeated string tags = 3;
  repeated string few = 4 [(patchbay.v1.max_items) = 3];
  map<string, string> labels = 5;
  map<string, Leaf> leaves = 6;
  oneof target { string slug = 7; Leaf inline = 8; }
  google.protobuf.Struct params = 9;
  google.protobuf.Value value = 10;
  google.protobuf.StringValue note = 11;
  Node tree = 12;
  optional string maybe = 13;
  map<int32, string> numbered = 14;
  repeated google.protobuf.Struct docs = 15;
  Counts counts = 16;
  bytes raw = 17;
}
`;

const NUL = "must not contain U+0000 (NUL)";
const LONE = "must be valid Unicode text (it holds a lone surrogate)";

describe("the input checker", () => {
  let registry: FileRegistry;
  let Req: DescMessage;
  const check = createInputChecker();

  beforeAll(async () => {
    registry = await compileProto(PROTO);
    Req = registry.getMessage("test.v1.Req") as DescMessage;
  });

  const refusal = (json: JsonObject) => check(Req, fromJson(Req, json, { registry }))?.message;

  it("passes a request whose text and sizes are clean, including bytes and numbers it does not look at", () => {
    expect(
      refusal({
        text: "héllo 👋",
        leaf: { text: "x", n: 3 },
        tags: ["a", "b"],
        labels: { k: "v" },
        leaves: { k: { text: "v" } },
        inline: { text: "x" },
        params: { a: [1, "two", { b: null }] },
        value: { x: ["y"] },
        note: "n",
        tree: { name: "a", child: { name: "b" } },
        numbered: { 5: "five" },
        docs: [{ k: "v" }],
        counts: { a: 1, more: [1, 2] },
        raw: Buffer.from([0, 0xff]).toString("base64"),
      }),
    ).toBeUndefined();
  });

  it.each([
    ["a top-level field", { text: "a\u0000" }, `text ${NUL}`],
    ["a nested message's field", { leaf: { text: "\u0000" } }, `leaf.text ${NUL}`],
    ["a list item", { tags: ["ok", "b\u0000"] }, `tags[1] ${NUL}`],
    ["a map value", { labels: { region: "\u0000" } }, `labels["region"] ${NUL}`],
    ["a map key", { labels: { "k\u0000": "v" } }, `labels[?] key ${NUL}`],
    ["a field of a map's message value", { leaves: { k: { text: "\u0000" } } }, `leaves["k"].text ${NUL}`],
    ["a oneof's text case", { slug: "\u0000" }, `slug ${NUL}`],
    ["a oneof's message case", { inline: { text: "\u0000" } }, `inline.text ${NUL}`],
    ["a Struct's nested JSON", { params: { a: { b: [1, "\u0000"] } } }, `params["a"]["b"][1] ${NUL}`],
    ["a Struct key", { params: { a: { "\u0000": 1 } } }, `params["a"][?] key ${NUL}`],
    ["a key that may be content is not quoted", { params: { "a b": "\u0000" } }, `params[?] ${NUL}`],
    ["a Value message's JSON", { value: { x: ["\u0000"] } }, `value["x"][0] ${NUL}`],
    ["an unwrapped StringValue", { note: "\u0000" }, `note ${NUL}`],
    [
      "a recursive type, deep",
      { tree: { child: { child: { name: "\u0000" } } } },
      `tree.child.child.name ${NUL}`,
    ],
    ["a proto3 optional field", { maybe: "\u0000" }, `maybe ${NUL}`],
    ["a map with number keys", { numbered: { 7: "\u0000" } }, `numbered[7] ${NUL}`],
    ["a repeated Struct", { docs: [{}, { k: "\u0000" }] }, `docs[1]["k"] ${NUL}`],
  ])("refuses U+0000 in %s, naming the path", (_, json, message) => {
    expect(refusal(json as JsonObject)).toBe(`[invalid_argument] ${message}`);
  });

  it("answers INVALID_ARGUMENT", () => {
    expect(check(Req, fromJson(Req, { text: "\u0000" }))?.code).toBe(Code.InvalidArgument);
  });

  // protobuf-es's JSON reader refuses lone surrogates itself, so these messages are built in code, as
  // a handler-level caller (or a lenient decoder) could.
  it.each([
    [
      "a top-level field",
      (m: Record<string, unknown>) => Object.assign(m, { text: "a\ud800" }),
      `text ${LONE}`,
    ],
    [
      "a list item",
      (m: Record<string, unknown>) => Object.assign(m, { tags: ["\udfff"] }),
      `tags[0] ${LONE}`,
    ],
    [
      "a Struct value",
      (m: Record<string, unknown>) => Object.assign(m, { params: { q: ["x\ud83d"] } }),
      `params["q"][0] ${LONE}`,
    ],
    [
      "a map key",
      (m: Record<string, unknown>) => Object.assign(m, { labels: { "\ud800": "v" } }),
      `labels[?] key ${LONE}`,
    ],
  ])("refuses a lone surrogate in %s", (_, set, message) => {
    const message_ = set(create(Req) as unknown as Record<string, unknown>);
    expect(check(Req, message_)?.message).toBe(`[invalid_argument] ${message}`);
  });

  it("accepts a surrogate pair (an emoji is text)", () => {
    expect(refusal({ text: "\ud83d\udc4b", params: { a: "\ud83d\udc4b" } })).toBeUndefined();
  });

  it.each([
    [
      "the default cap on a list",
      { tags: Array.from({ length: 101 }, (_, i) => `t${i}`) },
      "tags has more than 100 items",
    ],
    ["a declared cap", { few: ["a", "b", "c", "d"] }, "few has more than 3 items"],
    [
      "a declared cap in a type with nothing else to check",
      { counts: { more: [1, 2, 3] } },
      "counts.more has more than 2 items",
    ],
    [
      "the default cap on a map",
      { labels: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, "v"])) },
      "labels has more than 100 entries",
    ],
    [
      "the JSON cap on a Struct",
      {
        params: Object.fromEntries(
          Array.from({ length: INPUT_LIMITS.jsonMaxItems + 1 }, (_, i) => [`k${i}`, 1]),
        ),
      },
      `params has more than ${INPUT_LIMITS.jsonMaxItems} entries`,
    ],
    [
      "the JSON cap on an array in a Value",
      { value: { list: Array.from({ length: INPUT_LIMITS.jsonMaxItems + 1 }, () => 0) } },
      `value["list"] has more than ${INPUT_LIMITS.jsonMaxItems} items`,
    ],
  ])("refuses more items than %s allows, naming the field and the limit", (_, json, message) => {
    expect(refusal(json as JsonObject)).toBe(`[invalid_argument] ${message}`);
  });

  it("takes exactly the limit", () => {
    expect(
      refusal({ tags: Array.from({ length: 100 }, (_, i) => `t${i}`), few: ["a", "b", "c"] }),
    ).toBeUndefined();
  });

  it("refuses nesting deeper than the limit, in JSON and in messages", () => {
    let json: unknown = "leaf";
    for (let i = 0; i < INPUT_LIMITS.maxDepth + 2; i++) json = [json];
    expect(refusal({ params: { deep: json } as JsonObject })).toMatch(
      /^\[invalid_argument\] params\["deep"\](\[0\])+ nests deeper than 64 levels$/,
    );

    let tree: JsonObject = { name: "leaf" };
    for (let i = 0; i < INPUT_LIMITS.maxDepth + 2; i++) tree = { child: tree };
    expect(refusal({ tree })).toMatch(/^\[invalid_argument\] tree(\.child)+ nests deeper than 64 levels$/);
  });

  it("takes nesting up to the limit", () => {
    let json: unknown = "leaf";
    // The request message is level 1 and the Struct object level 2.
    for (let i = 0; i < INPUT_LIMITS.maxDepth - 2; i++) json = [json];
    expect(refusal({ params: { deep: json } as JsonObject })).toBeUndefined();
  });
});
