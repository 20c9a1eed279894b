import { describe, expect, it } from "vitest";
import { TOOL_NAME, toolNames } from "../../src/mcp/index.ts";

// MCP tool names: `<connection or connector>_<command>` within MCP's rule, collisions resolved the same
// way whatever the order the tools were read in.

describe("toolNames", () => {
  it("joins prefix and command and replaces what MCP's rule does not allow", () => {
    expect(
      toolNames([
        { prefix: "echo", command: "echo", key: "a" },
        { prefix: "Work Gmail (ünicode)", command: "send.mail", key: "b" },
      ]),
    ).toEqual(["echo_echo", "Work_Gmail_nicode_send_mail"]);
  });

  it("gives colliding names a short suffix from each tool's key, independent of order", () => {
    const a = { prefix: "blog", command: "listPosts", key: "conn-1/listPosts" };
    const b = { prefix: "blog!", command: "listPosts", key: "conn-2/listPosts" };
    const forward = toolNames([a, b]);
    const backward = toolNames([b, a]);
    expect(forward[0]).not.toEqual(forward[1]);
    expect(backward).toEqual([forward[1], forward[0]]);
    for (const name of forward) expect(name).toMatch(TOOL_NAME);
    expect(forward[0]).toMatch(/^blog_listPosts_[0-9a-f]{6}$/);
  });

  it("cuts a name longer than 64 characters and keeps it unique", () => {
    const long = "x".repeat(80);
    const names = toolNames([
      { prefix: long, command: "a", key: "1" },
      { prefix: long, command: "b", key: "2" },
    ]);
    for (const name of names) expect(name).toMatch(TOOL_NAME);
    expect(names[0]).not.toEqual(names[1]);
  });

  // Building tools (issue 20): a connection labelled "list" with a command "connectors" must not shadow one.
  it("never gives out a reserved name as is", () => {
    const [name] = toolNames(
      [{ prefix: "list", command: "connectors", key: "c1/connectors" }],
      ["list_connectors"],
    );
    expect(name).toMatch(/^list_connectors_[0-9a-f]{6}$/);
    expect(toolNames([{ prefix: "list", command: "connectors", key: "k" }])).toEqual(["list_connectors"]);
  });
});
