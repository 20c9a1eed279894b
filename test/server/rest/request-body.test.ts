import { describeBridgeTable, jsonBody } from "./bridge-table.ts";

// HttpRule.body: "*", a top-level field, or absent; and what the bridge refuses about a body.
const PROTO = `
syntax = "proto3";
package test.v1;
import "google/api/annotations.proto";

message Book { string name = 1; string title = 2; }
message Detail { string sub_field = 1; string note = 2; }
message Req {
  string name = 1;
  string display_name = 2;
  optional int32 count = 3;
  Book book = 4;
  string id = 5;
  Detail sub_info = 6;
}

service BodyService {
  rpc UpdateThing(Req) returns (Req) { option (google.api.http) = {post: "/api/v1/things/{name}" body: "*"}; }
  rpc RenameThing(Req) returns (Req) {
    option (google.api.http) = {post: "/api/v1/renames/{display_name}" body: "*"};
  }
  rpc UpdateInfo(Req) returns (Req) {
    option (google.api.http) = {post: "/api/v1/infos/{sub_info.sub_field}" body: "*"};
  }
  rpc AddBook(Req) returns (Req) { option (google.api.http) = {post: "/api/v1/shelves/{id}/books" body: "book"}; }
  // The googleapis update pattern: the body is the resource, the path names it.
  rpc UpdateBook(Req) returns (Req) { option (google.api.http) = {patch: "/api/v1/books/{book.name}" body: "book"}; }
  rpc DeleteThing(Req) returns (Req) { option (google.api.http) = {delete: "/api/v1/things/{name}"}; }
}
`;

const json = { "content-type": "application/json" };

describeBridgeTable("request bodies", {
  proto: PROTO,
  service: "test.v1.BodyService",
  maxBodyBytes: 1024,
  rows: [
    {
      name: 'body "*": unbound fields come from the JSON body',
      method: "POST",
      path: "/api/v1/things/p",
      ...jsonBody({ displayName: "D", count: 3 }),
      status: 200,
      reaches: "UpdateThing",
      handlerSaw: { name: "p", displayName: "D", count: 3 },
      json: { name: "p", displayName: "D", count: 3 },
    },
    {
      name: 'body "*": proto field names are accepted in the body',
      method: "POST",
      path: "/api/v1/things/p",
      ...jsonBody({ display_name: "D" }),
      status: 200,
      reaches: "UpdateThing",
      json: { name: "p", displayName: "D" },
    },
    {
      name: 'body "*": the path variable wins over the same field in the body',
      method: "POST",
      path: "/api/v1/things/fromPath",
      ...jsonBody({ name: "fromBody", count: 1 }),
      status: 200,
      reaches: "UpdateThing",
      json: { name: "fromPath", count: 1 },
    },
    {
      name: 'body "*": the path variable wins when the body uses the proto name of that field',
      method: "POST",
      path: "/api/v1/renames/fromPath",
      ...jsonBody({ display_name: "fromBody", name: "n" }),
      status: 200,
      reaches: "RenameThing",
      json: { displayName: "fromPath", name: "n" },
    },
    {
      name: 'body "*": a nested path variable keeps the body\'s other fields of that message',
      method: "POST",
      path: "/api/v1/infos/fromPath",
      ...jsonBody({ subInfo: { subField: "fromBody", note: "keep" } }),
      status: 200,
      reaches: "UpdateInfo",
      json: { subInfo: { subField: "fromPath", note: "keep" } },
    },
    {
      name: 'body "*": a nested path variable keeps the body\'s fields when the body uses proto names',
      method: "POST",
      path: "/api/v1/infos/fromPath",
      ...jsonBody({ sub_info: { note: "keep" } }),
      status: 200,
      reaches: "UpdateInfo",
      json: { subInfo: { subField: "fromPath", note: "keep" } },
    },
    {
      name: 'body "*": no query parameters are accepted (400 naming the parameter)',
      method: "POST",
      path: "/api/v1/things/p?count=1",
      ...jsonBody({}),
      status: 400,
      reaches: null,
      error: { code: "invalid_argument", mentions: "'count'" },
    },
    {
      name: 'body "*": an empty body leaves only the path-bound fields',
      method: "POST",
      path: "/api/v1/things/p",
      status: 200,
      reaches: "UpdateThing",
      json: { name: "p" },
    },
    {
      name: 'body "*": a JSON body that is not an object is a 400',
      method: "POST",
      path: "/api/v1/things/p",
      ...jsonBody([1, 2]),
      status: 400,
      reaches: null,
      error: { code: "invalid_argument", mentions: "JSON object" },
    },
    {
      name: "a malformed JSON body is a 400 that says so",
      method: "POST",
      path: "/api/v1/things/p",
      headers: json,
      body: '{"name": ',
      status: 400,
      reaches: null,
      error: { code: "invalid_argument", mentions: "not valid JSON" },
    },
    {
      name: "a body field of the wrong JSON type is a 400 naming the field",
      method: "POST",
      path: "/api/v1/things/p",
      ...jsonBody({ count: "many" }),
      status: 400,
      reaches: null,
      error: { code: "invalid_argument", mentions: "count" },
    },
    {
      // Connect decodes an already-parsed JSON body with plain fromJson, so REST is strict even though
      // Connect's own JSON protocol ignores unknown fields by default.
      name: "an unknown body field is a 400 naming it (strict decoding, as the OpenAPI schema documents)",
      method: "POST",
      path: "/api/v1/things/p",
      ...jsonBody({ nope: 1 }),
      status: 400,
      reaches: null,
      error: { code: "invalid_argument", mentions: "nope" },
    },
    {
      name: 'body "book": the body is that field, the other fields come from the path and query',
      method: "POST",
      path: "/api/v1/shelves/s1/books?count=2",
      ...jsonBody({ name: "n", title: "T" }),
      status: 200,
      reaches: "AddBook",
      json: { id: "s1", count: 2, book: { name: "n", title: "T" } },
    },
    {
      name: 'body "book": a query parameter inside the body field is a 400',
      method: "POST",
      path: "/api/v1/shelves/s1/books?book.title=x",
      ...jsonBody({ name: "n" }),
      status: 400,
      reaches: null,
      error: { code: "invalid_argument", mentions: "'book.title'" },
    },
    {
      name: 'body "book": an unknown query parameter is still a 400',
      method: "POST",
      path: "/api/v1/shelves/s1/books?nope=1",
      ...jsonBody({ name: "n" }),
      status: 400,
      reaches: null,
      error: { code: "invalid_argument", mentions: "'nope'" },
    },
    {
      name: 'body "book" with {book.name} in the path: the path sets the name inside the body',
      method: "PATCH",
      path: "/api/v1/books/moby",
      ...jsonBody({ name: "ignored", title: "Moby Dick" }),
      status: 200,
      reaches: "UpdateBook",
      json: { book: { name: "moby", title: "Moby Dick" } },
    },
    {
      name: 'body "book": a body that is not the field\'s JSON type is a 400',
      method: "POST",
      path: "/api/v1/shelves/s1/books",
      ...jsonBody("just a string"),
      status: 400,
      reaches: null,
      error: { code: "invalid_argument", mentions: "test.v1.Book" },
    },
    {
      name: "no body rule: fields come from the path alone",
      method: "DELETE",
      path: "/api/v1/things/x",
      status: 200,
      reaches: "DeleteThing",
      json: { name: "x" },
    },
    {
      name: "no body rule: a request body is a 400",
      method: "DELETE",
      path: "/api/v1/things/x",
      ...jsonBody({ name: "y" }),
      status: 400,
      reaches: null,
      error: { code: "invalid_argument", mentions: "no request body" },
    },
    {
      name: "a body of exactly maxBodyBytes is accepted",
      method: "POST",
      path: "/api/v1/things/p",
      headers: json,
      body: `{"displayName":"${"x".repeat(1024 - 18)}"}`,
      status: 200,
      reaches: "UpdateThing",
      json: { name: "p", displayName: "x".repeat(1024 - 18) },
    },
    {
      name: "a body over maxBodyBytes is a 413",
      method: "POST",
      path: "/api/v1/things/p",
      headers: json,
      body: `{"displayName":"${"x".repeat(1024 - 17)}"}`,
      status: 413,
      reaches: null,
      error: { code: "resource_exhausted", mentions: "1024 bytes" },
    },
    {
      name: "a non-JSON content type is a 415",
      method: "POST",
      path: "/api/v1/things/p",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "name=x",
      status: 415,
      reaches: null,
      error: { code: "invalid_argument", mentions: "application/json" },
    },
    {
      name: "text/plain is a 415 too",
      method: "POST",
      path: "/api/v1/things/p",
      headers: { "content-type": "text/plain" },
      body: '{"count":1}',
      status: 415,
      reaches: null,
      error: { code: "invalid_argument", mentions: "application/json" },
    },
    {
      name: "application/json with a charset parameter is accepted",
      method: "POST",
      path: "/api/v1/things/p",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: '{"count":1}',
      status: 200,
      reaches: "UpdateThing",
      json: { name: "p", count: 1 },
    },
    {
      name: "a +json media type is accepted",
      method: "POST",
      path: "/api/v1/things/p",
      headers: { "content-type": "application/merge-patch+json" },
      body: '{"count":1}',
      status: 200,
      reaches: "UpdateThing",
      json: { name: "p", count: 1 },
    },
  ],
});
