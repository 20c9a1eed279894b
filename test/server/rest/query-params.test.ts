import type { JsonObject } from "@bufbuild/protobuf";
import { type BridgeRow, describeBridgeTable } from "./bridge-table.ts";

// Fields the path and body leave unbound come from the query string (no `body` in these rules).
const PROTO = `
syntax = "proto3";
package test.v1;
import "google/api/annotations.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";

enum Color { COLOR_UNSPECIFIED = 0; COLOR_RED = 1; COLOR_BLUE = 2; }
message Sub { string sub_field = 1; optional int32 level = 2; }
message Book { string name = 1; string title = 2; }
message Query {
  string name = 1;
  string display_name = 2;
  optional int32 count = 3;
  int64 big = 4;
  optional bool flag = 5;
  optional double ratio = 6;
  Color color = 7;
  repeated string tag = 8;
  Sub sub = 9;
  google.protobuf.Timestamp at = 10;
  google.protobuf.Struct meta = 11;
  repeated Sub subs = 12;
  repeated int32 numbers = 13;
  repeated Color colors = 14;
  google.protobuf.Int64Value limit = 15;
  Book book = 16;
  repeated string label_ids = 17;
}

service QueryService {
  rpc Search(Query) returns (Query) { option (google.api.http) = {get: "/api/v1/search"}; }
  rpc GetThing(Query) returns (Query) { option (google.api.http) = {get: "/api/v1/things/{display_name}"}; }
  rpc GetBook(Query) returns (Query) { option (google.api.http) = {get: "/api/v1/books/{book.name}"}; }
}
`;

const ok = (path: string, json: JsonObject, name: string): BridgeRow => ({
  name,
  method: "GET",
  path,
  status: 200,
  reaches: "Search",
  handlerSaw: json,
  json,
});

const bad = (path: string, mentions: string, name: string): BridgeRow => ({
  name,
  method: "GET",
  path,
  status: 400,
  reaches: null,
  error: { code: "invalid_argument", mentions },
});

describeBridgeTable("query parameters", {
  proto: PROTO,
  service: "test.v1.QueryService",
  rows: [
    ok("/api/v1/search?name=hello%20world", { name: "hello world" }, "a string field, percent-decoded"),
    ok("/api/v1/search?name=a+b", { name: "a b" }, "'+' in a query value is a space"),
    ok("/api/v1/search?display_name=D", { displayName: "D" }, "a field by its proto name"),
    ok("/api/v1/search?displayName=D", { displayName: "D" }, "a field by its JSON name"),
    ok("/api/v1/search?count=42", { count: 42 }, "int32 from decimal text"),
    ok("/api/v1/search?count=-7", { count: -7 }, "a negative int32"),
    bad("/api/v1/search?count=4.5", "'count'", "int32 that is not an integer is a 400 naming the parameter"),
    ok(
      "/api/v1/search?big=9007199254740993",
      { big: "9007199254740993" },
      "int64 beyond 2^53 keeps every digit and is answered as a string",
    ),
    ok("/api/v1/search?flag=true", { flag: true }, "bool 'true'"),
    ok("/api/v1/search?flag=1", { flag: true }, "bool '1'"),
    ok("/api/v1/search?flag=false", { flag: false }, "bool 'false'"),
    ok("/api/v1/search?flag=0", { flag: false }, "bool '0'"),
    bad("/api/v1/search?flag=yes", "'flag'", "bool 'yes' is a 400 naming the parameter"),
    ok("/api/v1/search?ratio=2.5", { ratio: 2.5 }, "double from text"),
    ok("/api/v1/search?ratio=Infinity", { ratio: "Infinity" }, "double 'Infinity'"),
    bad("/api/v1/search?ratio=abc", "'ratio'", "double that is not a number is a 400"),
    ok("/api/v1/search?color=COLOR_BLUE", { color: "COLOR_BLUE" }, "enum by name"),
    ok("/api/v1/search?color=1", { color: "COLOR_RED" }, "enum by number"),
    bad(
      "/api/v1/search?color=PURPLE",
      "query parameter 'color' must be one of COLOR_UNSPECIFIED, COLOR_RED, COLOR_BLUE",
      "enum with an unknown name is a 400 naming the parameter and the allowed names",
    ),

    ok("/api/v1/search?tag=a&tag=b", { tag: ["a", "b"] }, "repeated string by repeating the key"),
    ok("/api/v1/search?numbers=1&numbers=2", { numbers: [1, 2] }, "repeated int32 converts each value"),
    ok(
      "/api/v1/search?colors=COLOR_RED&colors=2",
      { colors: ["COLOR_RED", "COLOR_BLUE"] },
      "repeated enum by name and number",
    ),
    ok("/api/v1/search?sub.sub_field=x", { sub: { subField: "x" } }, "nested field by dotted proto names"),
    ok("/api/v1/search?sub.subField=y", { sub: { subField: "y" } }, "nested field by dotted JSON names"),
    ok(
      "/api/v1/search?sub.sub_field=x&sub.level=3",
      { sub: { subField: "x", level: 3 } },
      "two fields of one nested message",
    ),
    ok(
      "/api/v1/search?at=2024-05-01T10:00:00Z",
      { at: "2024-05-01T10:00:00Z" },
      "google.protobuf.Timestamp as RFC 3339",
    ),
    ok(
      "/api/v1/search?at=2024-05-01T12:00:00%2B02:00",
      { at: "2024-05-01T10:00:00Z" },
      "Timestamp with an offset is normalised to UTC",
    ),
    bad("/api/v1/search?at=yesterday", "RFC 3339", "Timestamp that is not RFC 3339 is a 400"),
    ok(
      `/api/v1/search?meta=${encodeURIComponent('{"a":1,"b":["x"]}')}`,
      { meta: { a: 1, b: ["x"] } },
      "google.protobuf.Struct as JSON text",
    ),
    bad("/api/v1/search?meta=%7Bnope", "'meta'", "Struct that is not JSON text is a 400"),
    ok("/api/v1/search?limit=12", { limit: "12" }, "a wrapper type (Int64Value) takes its scalar"),
    bad("/api/v1/search?name=a&name=b", "'name'", "a second value for a singular field is a 400"),
    bad("/api/v1/search?nope=1", "'nope'", "an unknown query parameter is a 400 naming it"),
    bad("/api/v1/search?sub.nope=1", "'sub.nope'", "an unknown nested name is a 400 naming it"),
    bad("/api/v1/search?sub=x", "'sub'", "a message field cannot be set from one value"),
    bad(
      "/api/v1/search?subs.sub_field=x",
      "'subs.sub_field'",
      "a repeated message field cannot be set from the query",
    ),
    {
      name: "a query parameter naming a path-bound field is a 400 (JSON name of the bound field)",
      method: "GET",
      path: "/api/v1/things/D?displayName=E",
      status: 400,
      reaches: null,
      error: { code: "invalid_argument", mentions: "'displayName'" },
    },
    {
      name: "a query parameter naming a path-bound field is a 400 (proto name of the bound field)",
      method: "GET",
      path: "/api/v1/things/D?display_name=E",
      status: 400,
      reaches: null,
      error: { code: "invalid_argument", mentions: "'display_name'" },
    },
    {
      name: "a sibling of a path-bound nested field may come from the query",
      method: "GET",
      path: "/api/v1/books/moby?book.title=Moby%20Dick",
      status: 200,
      reaches: "GetBook",
      json: { book: { name: "moby", title: "Moby Dick" } },
    },
    {
      name: "the path-bound nested field itself cannot come from the query",
      method: "GET",
      path: "/api/v1/books/moby?book.name=other",
      status: 400,
      reaches: null,
      error: { code: "invalid_argument", mentions: "'book.name'" },
    },
    {
      ...bad(
        "/api/v1/search?display_name=a&displayName=b",
        "display",
        "one singular field given by its proto and its JSON name is a second value, so a 400",
      ),
    },
    {
      ...ok(
        "/api/v1/search?label_ids=a&labelIds=b",
        { labelIds: ["a", "b"] },
        "a repeated field given by its proto and its JSON name keeps every value",
      ),
    },
  ],
});
