import { describe, expect, it } from "vitest";
import { prefersJson } from "../../src/server/prefers-json.ts";

describe("prefersJson", () => {
  it.each([
    ["application/json", true],
    ["Application/JSON; charset=utf-8", true],
    ["application/json, text/html;q=0.9", true],
    ["text/html;q=0.1, application/*", true],
    ["application/*;q=0.9, */*;q=0.1", true],
    ["text/*, application/*", false],
    ["application/json;q=0.5, */*;q=0.4", true],
    ["application/json;q=0.5, text/html", false],
    ["text/html, application/json", false],
    ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false],
    ["*/*", false],
    ["", false],
    [undefined, false],
    ["application/json;q=0", false],
    ["application/json;q=nonsense, text/html;q=0.1", false],
    ["garbage, application/json", true],
  ] as const)("Accept %j → JSON: %s", (accept, expected) => {
    expect(prefersJson(accept)).toBe(expected);
  });
});
