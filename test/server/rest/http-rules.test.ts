import { beforeAll, describe, expect, it } from "vitest";
import {
  collectBindings,
  type HttpBinding,
  type PathTemplate,
  parseTemplate,
  TemplateError,
} from "../../../src/server/rest/http-rules.ts";
import { compileProto, serviceOf } from "./compile-proto.ts";

const lit = (value: string) => ({ kind: "literal", value }) as const;
const star = { kind: "wildcard" } as const;
const deep = { kind: "deep" } as const;

describe("parseTemplate", () => {
  const valid: readonly (readonly [string, Omit<PathTemplate, "source">])[] = [
    ["/v1/shelves", { segments: [lit("v1"), lit("shelves")], variables: [], verb: undefined }],
    [
      "/v1/{name}",
      {
        segments: [lit("v1"), star],
        variables: [{ fieldPath: ["name"], start: 1, end: 2, multiSegment: false }],
        verb: undefined,
      },
    ],
    [
      "/v1/{name=*}",
      {
        segments: [lit("v1"), star],
        variables: [{ fieldPath: ["name"], start: 1, end: 2, multiSegment: false }],
        verb: undefined,
      },
    ],
    [
      "/v1/{name=shelves/*}",
      {
        segments: [lit("v1"), lit("shelves"), star],
        variables: [{ fieldPath: ["name"], start: 1, end: 3, multiSegment: true }],
        verb: undefined,
      },
    ],
    [
      "/v1/{name=shelves/*/books/*}",
      {
        segments: [lit("v1"), lit("shelves"), star, lit("books"), star],
        variables: [{ fieldPath: ["name"], start: 1, end: 5, multiSegment: true }],
        verb: undefined,
      },
    ],
    [
      "/v1/files/{path=**}",
      {
        segments: [lit("v1"), lit("files"), deep],
        variables: [{ fieldPath: ["path"], start: 2, end: 3, multiSegment: true }],
        verb: undefined,
      },
    ],
    [
      "/v1/{book.name}",
      {
        segments: [lit("v1"), star],
        variables: [{ fieldPath: ["book", "name"], start: 1, end: 2, multiSegment: false }],
        verb: undefined,
      },
    ],
    [
      "/v1/shelves/{shelf}/books/{book}",
      {
        segments: [lit("v1"), lit("shelves"), star, lit("books"), star],
        variables: [
          { fieldPath: ["shelf"], start: 2, end: 3, multiSegment: false },
          { fieldPath: ["book"], start: 4, end: 5, multiSegment: false },
        ],
        verb: undefined,
      },
    ],
    ["/v1/shelves:search", { segments: [lit("v1"), lit("shelves")], variables: [], verb: "search" }],
    [
      "/v1/{name=books/*}:archive",
      {
        segments: [lit("v1"), lit("books"), star],
        variables: [{ fieldPath: ["name"], start: 1, end: 3, multiSegment: true }],
        verb: "archive",
      },
    ],
    [
      "/v1/{name=**}:undelete",
      {
        segments: [lit("v1"), deep],
        variables: [{ fieldPath: ["name"], start: 1, end: 2, multiSegment: true }],
        verb: "undelete",
      },
    ],
    ["/v1/*/items", { segments: [lit("v1"), star, lit("items")], variables: [], verb: undefined }],
    ["/v1/**", { segments: [lit("v1"), deep], variables: [], verb: undefined }],
    [
      "/api/v1/connectors/webhooks/{provider}/{endpoint_id}",
      {
        segments: [lit("api"), lit("v1"), lit("connectors"), lit("webhooks"), star, star],
        variables: [
          { fieldPath: ["provider"], start: 4, end: 5, multiSegment: false },
          { fieldPath: ["endpoint_id"], start: 5, end: 6, multiSegment: false },
        ],
        verb: undefined,
      },
    ],
  ];

  it.each(valid)("parses %s", (source, expected) => {
    expect(parseTemplate(source)).toEqual({ source, ...expected });
  });

  const invalid: readonly (readonly [string, string, RegExp])[] = [
    ["no leading slash", "v1/shelves", /must start with '\/'/],
    ["'**' before another segment", "/v1/**/items", /'\*\*' must be last/],
    ["'**' inside a variable before another segment", "/v1/{name=**/items}", /'\*\*' must be last/],
    ["'**' variable followed by another variable", "/v1/{a=**}/{b}", /'\*\*' must be last/],
    ["a variable nested in a variable", "/v1/{name=shelves/{id}}", /nested braces/],
    ["an empty segment", "/v1//shelves", /empty segment/],
    ["a trailing slash", "/v1/shelves/", /empty segment/],
    ["a bare slash", "/", /empty segment/],
    ["a field path starting with a digit", "/v1/{9lives}", /bad field path/],
    ["an empty field path element", "/v1/{book..name}", /bad field path/],
    ["an empty variable", "/v1/{}", /bad field path/],
    ["an empty variable pattern", "/v1/{name=}", /bad segment/],
    ["an unclosed variable", "/v1/{name", /unclosed variable/],
    ["a stray closing brace", "/v1/name}", /unbalanced/],
    ["a space in a literal", "/v1/my shelves", /bad segment/],
    ["an empty verb", "/v1/shelves:", /bad verb/],
  ];

  it.each(invalid)("refuses %s: %s", (_what, source, message) => {
    expect(() => parseTemplate(source)).toThrow(TemplateError);
    expect(() => parseTemplate(source)).toThrow(message);
  });
});

const PROTO = `
syntax = "proto3";
package test.v1;
import "google/api/annotations.proto";

message Req { string name = 1; repeated Req items = 2; }

service RulesService {
  rpc Get(Req) returns (Req) { option (google.api.http) = {get: "/v1/{name=things/*}"}; }
  rpc Update(Req) returns (Req) {
    option (google.api.http) = {
      patch: "/v1/{name=things/*}"
      body: "*"
      additional_bindings {put: "/v1/legacy/{name}" body: "*"}
      additional_bindings {post: "/v1/{name=things/*}:update" body: "*" response_body: "items"}
    };
  }
  rpc Probe(Req) returns (Req) { option (google.api.http) = {custom: {kind: "head" path: "/v1/probe"}}; }
  rpc Remove(Req) returns (Req) { option (google.api.http) = {delete: "/v1/{name=things/*}"}; }
  rpc Create(Req) returns (Req) { option (google.api.http) = {put: "/v1/things" body: "name"}; }
  rpc Watch(Req) returns (stream Req) { option (google.api.http) = {get: "/v1/watch"}; }
  rpc Internal(Req) returns (Req);
}
`;

describe("collectBindings", () => {
  let bindings: HttpBinding[] = [];
  beforeAll(async () => {
    const registry = await compileProto(PROTO);
    bindings = collectBindings([serviceOf(registry, "test.v1.RulesService")]);
  });

  const summary = (b: HttpBinding) => ({
    rpc: b.method.name,
    httpMethod: b.httpMethod,
    path: b.template.source,
    body: b.body,
    responseBody: b.responseBody,
    index: b.index,
  });

  it("reads one binding per rule and per additional binding, in declaration order", () => {
    expect(bindings.map(summary)).toEqual([
      { rpc: "Get", httpMethod: "GET", path: "/v1/{name=things/*}", body: "", responseBody: "", index: 0 },
      {
        rpc: "Update",
        httpMethod: "PATCH",
        path: "/v1/{name=things/*}",
        body: "*",
        responseBody: "",
        index: 0,
      },
      { rpc: "Update", httpMethod: "PUT", path: "/v1/legacy/{name}", body: "*", responseBody: "", index: 1 },
      {
        rpc: "Update",
        httpMethod: "POST",
        path: "/v1/{name=things/*}:update",
        body: "*",
        responseBody: "items",
        index: 2,
      },
      { rpc: "Probe", httpMethod: "HEAD", path: "/v1/probe", body: "", responseBody: "", index: 0 },
      {
        rpc: "Remove",
        httpMethod: "DELETE",
        path: "/v1/{name=things/*}",
        body: "",
        responseBody: "",
        index: 0,
      },
      { rpc: "Create", httpMethod: "PUT", path: "/v1/things", body: "name", responseBody: "", index: 0 },
    ]);
  });

  it("skips streaming RPCs and RPCs without an HttpRule", () => {
    const names = new Set(bindings.map((b) => b.method.name));
    expect(names.has("Watch")).toBe(false);
    expect(names.has("Internal")).toBe(false);
  });

  it("parses each binding's template", () => {
    const update = bindings.find((b) => b.method.name === "Update" && b.index === 2);
    expect(update?.template.verb).toBe("update");
    expect(update?.template.variables).toEqual([
      { fieldPath: ["name"], start: 1, end: 3, multiSegment: true },
    ]);
  });

  it("refuses a service whose rule has a malformed template, naming it", async () => {
    const registry = await compileProto(`
syntax = "proto3";
package test.v1;
import "google/api/annotations.proto";
message Req { string name = 1; }
service BrokenService {
  rpc Get(Req) returns (Req) { option (google.api.http) = {get: "/v1/**/things"}; }
}
`);
    expect(() => collectBindings([serviceOf(registry, "test.v1.BrokenService")])).toThrow(
      /'\*\*' must be last in \/v1\/\*\*\/things/,
    );
  });
});
