import { describe, expect, it } from "vitest";
import { EVERY_TOOL, MAX_NARROWING_VALUES, parseToolNarrowing } from "../../src/mcp/tool-narrowing.ts";

const ID = "3f2c8a10-5b7e-4c1d-9a2b-0e4f6a8c1d2e";
const parse = (query: string, headers: Record<string, string> = {}) =>
  parseToolNarrowing(new URLSearchParams(query), (name) => headers[name]);

describe("parseToolNarrowing", () => {
  it("reads no narrowing as every tool", () => {
    expect(parse("")).toEqual(EVERY_TOOL);
  });

  it("reads comma-separated values, trimmed, deduplicated, ids in lower case", () => {
    expect(
      parse(`connection=${ID.toUpperCase()},${ID}&connector=echo, delay&command=listPosts&tools=connectors`),
    ).toEqual({
      connections: [ID],
      connectors: ["echo", "delay"],
      commands: ["listPosts"],
      tools: "connectors",
    });
  });

  it("reads the same from the x-patchbay-mcp-* headers", () => {
    expect(parse("", { "x-patchbay-mcp-connector": "echo", "x-patchbay-mcp-tools": "connectors" })).toEqual({
      ...EVERY_TOOL,
      connectors: ["echo"],
      tools: "connectors",
    });
    expect(parse("", { "x-patchbay-mcp-command": "a,b" }).commands).toEqual(["a", "b"]);
  });

  it.each([
    ["connection=x", "connection value 1 is not a connection id (UUID)"],
    [
      `connection=${ID}&connection=${ID}`,
      "connection is given more than once: list its values comma-separated",
    ],
    ["connector=", "connector value 1 is empty"],
    ["connector=a%20b", "connector value 1 is not a connector slug (printable ASCII, at most 64 characters)"],
    [
      `connector=${"a".repeat(65)}`,
      "connector value 1 is not a connector slug (printable ASCII, at most 64 characters)",
    ],
    ["command=a%0Ab", "command value 1 is not a command name (printable ASCII, at most 128 characters)"],
    ["tools=some", "tools must be one of all, connectors, building"],
    [
      "tools=building&command=a",
      "connection, connector and command narrow connector tools, which tools=building leaves out",
    ],
    ["toolz=all", "unknown query parameter 'toolz': /mcp takes connection, connector, command, tools"],
    ["<script>=1", "unknown query parameter '?script?': /mcp takes connection, connector, command, tools"],
  ])("refuses %s naming the parameter", (query, message) => {
    expect(() => parse(query)).toThrow(message);
  });

  it("refuses a parameter given both ways, and more values than the limit", () => {
    expect(() => parse("tools=all", { "x-patchbay-mcp-tools": "all" })).toThrow(
      "tools is given both as a query parameter and as the x-patchbay-mcp-tools header",
    );
    const many = Array.from({ length: MAX_NARROWING_VALUES + 1 }, (_, i) => `c${i}`).join(",");
    expect(() => parse(`command=${many}`)).toThrow(`command takes at most ${MAX_NARROWING_VALUES} values`);
  });
});
