import { describe, expect, it } from "vitest";
import { mediaTypeRank, sendableMediaType } from "../../../src/connectors/openapi/sendable-media-type.ts";

// Item 18: a description's media range is never sent as a request's Content-Type.
describe("sendableMediaType", () => {
  it.each([
    ["application/*+json", "application/json"],
    ["application/*+json; charset=utf-8", "application/json"],
    ["*/*", "application/json"],
    ["application/*", "application/json"],
    ["text/*", "text/plain"],
    ["image/*", "application/octet-stream"],
    ["application/json", "application/json"],
    ["application/vnd.api+json", "application/vnd.api+json"],
    ["application/json; charset=utf-8", "application/json; charset=utf-8"],
    ["text/plain", "text/plain"],
  ])("sends %s as %s", (declared, sent) => {
    expect(sendableMediaType(declared)).toBe(sent);
  });
});

describe("mediaTypeRank", () => {
  it("prefers application/json, then other JSON types and the any-type, then forms, multipart, the rest", () => {
    const offered = [
      "text/plain",
      "multipart/form-data",
      "application/x-www-form-urlencoded",
      "application/*+json",
      "application/json",
    ];
    expect([...offered].sort((a, b) => mediaTypeRank(a) - mediaTypeRank(b))).toEqual([
      "application/json",
      "application/*+json",
      "application/x-www-form-urlencoded",
      "multipart/form-data",
      "text/plain",
    ]);
  });
});
