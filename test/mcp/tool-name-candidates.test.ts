import { describe, expect, it } from "vitest";
import { mayBeNamed, type NameRequest, toolNames } from "../../src/mcp/tool-name.ts";

// Resolving one tool name among the candidates `mayBeNamed` keeps must find the tool the whole list
// names so, however names collide, get cut at 64 characters or hit a reserved name.

const RESERVED = ["list_connectors", "get_capabilities"];
const LONG = "a-very-long-connection-label-that-goes-on-and-on-past-the-limit";
const prefixes = [
  "Blog",
  "Blog",
  "blog",
  "Shop!",
  "Shop_",
  "echo",
  "list",
  LONG,
  `${LONG}-2`,
  "é",
  "_",
  "x y",
];
const commands = ["listPosts", "connectors", "test", "_odd", ".dot", "capabilities", "x".repeat(40)];

function requests(): NameRequest[] {
  return prefixes.flatMap((prefix, i) =>
    commands.map((command) => ({ prefix, command, key: `source-${i}/${command}` })),
  );
}

describe("mayBeNamed", () => {
  it("keeps, for every name of the whole list, the tool that bears it, and resolves it to the same one", () => {
    const all = requests();
    const names = toolNames(all, RESERVED);
    expect(new Set(names).size).toBe(names.length);
    names.forEach((name, i) => {
      const candidates = all.filter((request) => mayBeNamed(request.prefix, name));
      const candidateNames = toolNames(candidates, RESERVED);
      const found = candidates[candidateNames.indexOf(name)];
      expect(found, name).toBe(all[i]);
      // And no other candidate takes the name.
      expect(candidateNames.filter((n) => n === name)).toHaveLength(1);
    });
  });

  it("leaves out the tools of other connections and connectors", () => {
    expect(mayBeNamed("Blog", "Blog_listPosts")).toBe(true);
    expect(mayBeNamed("Shop", "Blog_listPosts")).toBe(false);
    expect(mayBeNamed("echo", "delay_wait")).toBe(false);
    expect(mayBeNamed("Blog post", "Blog_post_listPosts")).toBe(true);
  });
});
