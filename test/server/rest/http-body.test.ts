import { describeBridgeTable } from "./bridge-table.ts";

// google.api.HttpBody in and out, and response_body.
const PROTO = `
syntax = "proto3";
package test.v1;
import "google/api/annotations.proto";
import "google/api/httpbody.proto";

message Req { string name = 1; }
message Upload { string id = 1; google.api.HttpBody payload = 2; string note = 3; }
message Page { google.api.HttpBody page = 1; string note = 2; }
message ReqList { repeated Req items = 1; string next_page_token = 2; }

service RawService {
  rpc UploadRaw(Upload) returns (Upload) {
    option (google.api.http) = {post: "/api/v1/uploads/{id}" body: "payload"};
  }
  rpc RoundTrip(Upload) returns (Upload) {
    option (google.api.http) = {post: "/api/v1/roundtrip/{id}" body: "payload" response_body: "payload"};
  }
  rpc Download(Req) returns (google.api.HttpBody) {
    option (google.api.http) = {get: "/api/v1/downloads/{name}"};
  }
  rpc GetPage(Req) returns (Page) {
    option (google.api.http) = {get: "/api/v1/pages/{name}" response_body: "page"};
  }
  rpc ListItems(Req) returns (ReqList) {
    option (google.api.http) = {get: "/api/v1/lists/{name}" response_body: "items"};
  }
  rpc ListToken(Req) returns (ReqList) {
    option (google.api.http) = {get: "/api/v1/tokens/{name}" response_body: "next_page_token"};
  }
  rpc Whole(google.api.HttpBody) returns (google.api.HttpBody) {
    option (google.api.http) = {post: "/api/v1/whole" body: "*"};
  }
}
`;

const BYTES = new Uint8Array([0, 255, 1, 2, 3, 0x80]);
const BYTES_B64 = Buffer.from(BYTES).toString("base64");
const utf8 = (text: string) => new Uint8Array(Buffer.from(text));

describeBridgeTable("HttpBody and response_body", {
  proto: PROTO,
  service: "test.v1.RawService",
  maxBodyBytes: 1024,
  rows: [
    {
      name: "an HttpBody body field takes the raw bytes and the request content type unchanged",
      method: "POST",
      path: "/api/v1/uploads/u1",
      headers: { "content-type": "application/octet-stream" },
      body: BYTES,
      status: 200,
      reaches: "UploadRaw",
      handlerSaw: { id: "u1", payload: { contentType: "application/octet-stream", data: BYTES_B64 } },
      json: { id: "u1", payload: { contentType: "application/octet-stream", data: BYTES_B64 } },
    },
    {
      name: "an HttpBody body field keeps content-type parameters and skips the JSON content-type check",
      method: "POST",
      path: "/api/v1/uploads/u1",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: "a=1&b=%20",
      status: 200,
      reaches: "UploadRaw",
      json: {
        id: "u1",
        payload: {
          contentType: "application/x-www-form-urlencoded; charset=utf-8",
          data: Buffer.from("a=1&b=%20").toString("base64"),
        },
      },
    },
    {
      name: "an HttpBody operation ignores unknown query parameters but still reads known ones",
      method: "POST",
      path: "/api/v1/uploads/u1?utm_source=provider&note=hi&id=ignored",
      headers: { "content-type": "text/plain" },
      body: "x",
      status: 200,
      reaches: "UploadRaw",
      json: { id: "u1", note: "hi", payload: { contentType: "text/plain", data: "eA==" } },
    },
    {
      name: "an HttpBody body over maxBodyBytes is still a 413",
      method: "POST",
      path: "/api/v1/uploads/u1",
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array(1025),
      status: 413,
      reaches: null,
      error: { code: "resource_exhausted", mentions: "1024 bytes" },
    },
    {
      name: "an HttpBody in and out (body and response_body): the same bytes and content type come back",
      method: "POST",
      path: "/api/v1/roundtrip/r1",
      headers: { "content-type": "image/png" },
      body: BYTES,
      status: 200,
      reaches: "RoundTrip",
      raw: { contentType: "image/png", bytes: BYTES },
    },
    {
      name: "HttpBody as the response type: its data is the body, with its content type",
      method: "GET",
      path: "/api/v1/downloads/report",
      status: 200,
      reaches: "Download",
      raw: { contentType: "text/csv", bytes: utf8("name\nreport\n") },
    },
    {
      name: "an HttpBody response_body field is written raw with its content type",
      method: "GET",
      path: "/api/v1/pages/hi",
      status: 200,
      reaches: "GetPage",
      raw: { contentType: "text/html; charset=utf-8", bytes: utf8("<p>hi</p>") },
    },
    {
      name: 'response_body: "items" answers the repeated field as a JSON array',
      method: "GET",
      path: "/api/v1/lists/x",
      status: 200,
      reaches: "ListItems",
      json: [{ name: "x" }, { name: "x" }],
    },
    {
      name: "response_body naming a scalar field answers a JSON string",
      method: "GET",
      path: "/api/v1/tokens/x",
      status: 200,
      reaches: "ListToken",
      json: "next-x",
    },
    {
      // google/api/http.proto and the reference (B1) allow HttpBody as the whole request type.
      name: 'HttpBody as the whole request type (body "*") takes the raw bytes',
      method: "POST",
      path: "/api/v1/whole",
      headers: { "content-type": "text/plain" },
      body: "plain words",
      status: 200,
      reaches: "Whole",
      handlerSaw: { contentType: "text/plain", data: Buffer.from("plain words").toString("base64") },
      raw: { contentType: "text/plain", bytes: utf8("plain words") },
    },
  ],
});
