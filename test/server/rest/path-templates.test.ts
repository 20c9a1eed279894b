import { describeBridgeTable, jsonBody } from "./bridge-table.ts";

// Path templates, routing precedence, custom verbs and methods, additional_bindings.
const PROTO = `
syntax = "proto3";
package test.v1;
import "google/api/annotations.proto";

message Book { string name = 1; string title = 2; }
message Req {
  string name = 1;
  string id = 2;
  string path = 3;
  optional int32 count = 4;
  Book book = 5;
}

service PathService {
  rpc GetThing(Req) returns (Req) { option (google.api.http) = {get: "/api/v1/things/{name}"}; }
  rpc GetShelf(Req) returns (Req) { option (google.api.http) = {get: "/api/v1/{name=shelves/*}"}; }
  rpc GetBook(Req) returns (Req) { option (google.api.http) = {get: "/api/v1/{name=shelves/*/books/*}"}; }
  rpc GetFile(Req) returns (Req) { option (google.api.http) = {get: "/api/v1/files/{path=**}"}; }
  rpc GetNested(Req) returns (Req) { option (google.api.http) = {get: "/api/v1/nested/{book.name}"}; }
  rpc SetCounter(Req) returns (Req) {
    option (google.api.http) = {put: "/api/v1/counters/{count}" body: "*"};
  }

  // The variable is declared before the verb that could also match its segment.
  rpc GetCatalogEntry(Req) returns (Req) { option (google.api.http) = {get: "/api/v1/catalog/{name}"}; }
  rpc SearchCatalog(Req) returns (Req) {
    option (google.api.http) = {get: "/api/v1/catalog/entries:search"};
  }
  // Literal segment vs variable at the same position, declared in both orders.
  rpc GetAById(Req) returns (Req) { option (google.api.http) = {get: "/api/v1/a/{id}"}; }
  rpc GetASpecial(Req) returns (Req) { option (google.api.http) = {get: "/api/v1/a/special"}; }
  rpc GetBSpecial(Req) returns (Req) { option (google.api.http) = {get: "/api/v1/b/special"}; }
  rpc GetBById(Req) returns (Req) { option (google.api.http) = {get: "/api/v1/b/{id}"}; }
  // A literal for one method, a variable for another, on the same path shape.
  rpc DeleteAById(Req) returns (Req) { option (google.api.http) = {delete: "/api/v1/a/{id}"}; }

  rpc ArchiveBook(Req) returns (Req) { option (google.api.http) = {post: "/api/v1/{name=books/*}:archive"}; }
  rpc GetBookById(Req) returns (Req) { option (google.api.http) = {get: "/api/v1/books/{id}"}; }

  rpc SearchCustom(Req) returns (Req) {
    option (google.api.http) = {custom: {kind: "SEARCH" path: "/api/v1/custom/{name}"}};
  }
  rpc GetAlias(Req) returns (Req) {
    option (google.api.http) = {
      get: "/api/v1/alias/one/{name}"
      additional_bindings {get: "/api/v1/alias/two/{id}"}
      additional_bindings {post: "/api/v1/alias/three" body: "*"}
    };
  }
}
`;

describeBridgeTable("path templates", {
  proto: PROTO,
  service: "test.v1.PathService",
  rows: [
    {
      name: "{var} binds one segment and percent-decodes it (%20 → space)",
      method: "GET",
      path: "/api/v1/things/a%20b",
      status: 200,
      reaches: "GetThing",
      json: { name: "a b" },
    },
    {
      name: "{var} decodes %2F to '/' in a single-segment variable",
      method: "GET",
      path: "/api/v1/things/a%2Fb",
      status: 200,
      reaches: "GetThing",
      json: { name: "a/b" },
    },
    {
      name: "{var} decodes UTF-8 percent-escapes",
      method: "GET",
      path: "/api/v1/things/caf%C3%A9",
      status: 200,
      reaches: "GetThing",
      json: { name: "café" },
    },
    {
      name: "{var} does not match a second segment",
      method: "GET",
      path: "/api/v1/things/a/b",
      status: 404,
      reaches: null,
      error: { code: "not_found", mentions: "no REST route" },
    },
    {
      name: "a malformed percent-escape in a path variable is a 400",
      method: "GET",
      path: "/api/v1/things/%ZZ",
      status: 400,
      reaches: null,
      error: { code: "invalid_argument", mentions: "percent-escape" },
    },
    {
      name: "{name=shelves/*} binds the whole matched text, literal included",
      method: "GET",
      path: "/api/v1/shelves/123",
      status: 200,
      reaches: "GetShelf",
      json: { name: "shelves/123" },
    },
    {
      name: "{name=shelves/*} decodes escapes but keeps %2F encoded (multi-segment variable)",
      method: "GET",
      path: "/api/v1/shelves/a%2Fb%20c",
      status: 200,
      reaches: "GetShelf",
      json: { name: "shelves/a%2Fb c" },
    },
    {
      name: "{name=shelves/*/books/*} binds four segments",
      method: "GET",
      path: "/api/v1/shelves/1/books/2",
      status: 200,
      reaches: "GetBook",
      json: { name: "shelves/1/books/2" },
    },
    {
      name: "{path=**} binds several segments",
      method: "GET",
      path: "/api/v1/files/docs/2024/report.txt",
      status: 200,
      reaches: "GetFile",
      json: { path: "docs/2024/report.txt" },
    },
    {
      name: "{path=**} keeps %2F encoded and decodes everything else",
      method: "GET",
      path: "/api/v1/files/my%20dir/a%2Fb",
      status: 200,
      reaches: "GetFile",
      json: { path: "my dir/a%2Fb" },
    },
    {
      name: "{path=**} keeps a lower-case %2f encoded too (as the equivalent %2F)",
      method: "GET",
      path: "/api/v1/files/c%2fd",
      status: 200,
      reaches: "GetFile",
      json: { path: "c%2Fd" },
    },
    {
      name: "{path=**} matches zero segments",
      method: "GET",
      path: "/api/v1/files",
      status: 200,
      reaches: "GetFile",
      json: {},
    },
    {
      name: "a dotted variable {book.name} sets a nested field",
      method: "GET",
      path: "/api/v1/nested/moby",
      status: 200,
      reaches: "GetNested",
      json: { book: { name: "moby" } },
    },
    {
      name: "a path variable is converted to its field's type (int32)",
      method: "PUT",
      path: "/api/v1/counters/42",
      ...jsonBody({ name: "c" }),
      status: 200,
      reaches: "SetCounter",
      json: { name: "c", count: 42 },
    },
    {
      name: "a path variable that does not fit its field's type is a 400 naming the variable",
      method: "PUT",
      path: "/api/v1/counters/many",
      ...jsonBody({}),
      status: 400,
      reaches: null,
      error: { code: "invalid_argument", mentions: "'count'" },
    },
    {
      name: "repeated and trailing slashes are collapsed",
      method: "GET",
      path: "/api/v1//things/x/",
      status: 200,
      reaches: "GetThing",
      json: { name: "x" },
    },
    {
      name: "a custom verb beats a variable that could take the same segment (declared first)",
      method: "GET",
      path: "/api/v1/catalog/entries:search",
      status: 200,
      reaches: "SearchCatalog",
      json: {},
    },
    {
      name: "without the verb the segment goes to the variable",
      method: "GET",
      path: "/api/v1/catalog/entries",
      status: 200,
      reaches: "GetCatalogEntry",
      json: { name: "entries" },
    },
    {
      name: "a verb no rule registers stays part of the variable",
      method: "GET",
      path: "/api/v1/catalog/entries:frobnicate",
      status: 200,
      reaches: "GetCatalogEntry",
      json: { name: "entries:frobnicate" },
    },
    {
      name: "a literal segment beats {id} declared before it",
      method: "GET",
      path: "/api/v1/a/special",
      status: 200,
      reaches: "GetASpecial",
      json: {},
    },
    {
      name: "{id} declared before a literal still takes other values",
      method: "GET",
      path: "/api/v1/a/other",
      status: 200,
      reaches: "GetAById",
      json: { id: "other" },
    },
    {
      name: "a literal segment beats {id} declared after it",
      method: "GET",
      path: "/api/v1/b/special",
      status: 200,
      reaches: "GetBSpecial",
      json: {},
    },
    {
      name: "{id} declared after a literal still takes other values",
      method: "GET",
      path: "/api/v1/b/other",
      status: 200,
      reaches: "GetBById",
      json: { id: "other" },
    },
    {
      name: "the method is matched before precedence: DELETE on the literal's text reaches {id}",
      method: "DELETE",
      path: "/api/v1/a/special",
      status: 200,
      reaches: "DeleteAById",
      json: { id: "special" },
    },
    {
      name: "a custom verb after a multi-segment variable: {name=books/*}:archive",
      method: "POST",
      path: "/api/v1/books/7:archive",
      status: 200,
      reaches: "ArchiveBook",
      json: { name: "books/7" },
    },
    {
      name: "the same path without the verb reaches the plain rule",
      method: "GET",
      path: "/api/v1/books/7",
      status: 200,
      reaches: "GetBookById",
      json: { id: "7" },
    },
    {
      name: "a custom HTTP method (custom: {kind: SEARCH}) is routed",
      method: "SEARCH",
      path: "/api/v1/custom/x",
      status: 200,
      reaches: "SearchCustom",
      json: { name: "x" },
    },
    {
      name: "additional_bindings: the main rule reaches the RPC",
      method: "GET",
      path: "/api/v1/alias/one/n1",
      status: 200,
      reaches: "GetAlias",
      json: { name: "n1" },
    },
    {
      name: "additional_bindings: a second path with its own variable reaches the same RPC",
      method: "GET",
      path: "/api/v1/alias/two/i2",
      status: 200,
      reaches: "GetAlias",
      json: { id: "i2" },
    },
    {
      name: "additional_bindings: a binding with its own method and body reaches the same RPC",
      method: "POST",
      path: "/api/v1/alias/three",
      ...jsonBody({ name: "n3" }),
      status: 200,
      reaches: "GetAlias",
      json: { name: "n3" },
    },
    {
      name: "an unknown path is a 404 with the JSON error and the x-patchbay-error header",
      method: "GET",
      path: "/api/v1/nowhere",
      status: 404,
      reaches: null,
      error: { code: "not_found", mentions: "no REST route" },
    },
    {
      name: "a known path with the wrong method is a 405 listing every method in Allow",
      method: "PATCH",
      path: "/api/v1/a/x",
      status: 405,
      reaches: null,
      error: { code: "unimplemented", mentions: "DELETE, GET" },
      responseHeaders: { allow: "DELETE, GET" },
    },
  ],
});
