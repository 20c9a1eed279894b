import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { COMMAND_PROOFS } from "./command-proofs.ts";
import { documentedCommands, shellCommands } from "./shell-commands.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const id = (page: string, command: string) => `${page}: ${command}`;

// Issue 19 item 16: every command in a README or doc page is run by a test or a CI step, so it stays true.
describe("the shell commands of README.md, docs/ and examples/", () => {
  const documented = documentedCommands(root);
  const proven = new Map(COMMAND_PROOFS.map((p) => [id(p.page, p.command), p.proof]));

  it("each have a proof (test/docs/command-proofs.ts)", () => {
    const unproven = documented
      .filter((c) => !proven.has(id(c.file, c.key)))
      .map((c) => `${c.file}:${c.line}: ${c.key}`);
    expect(unproven, "add each to COMMAND_PROOFS with the test or CI step that runs it").toEqual([]);
    expect(documented.length).toBeGreaterThan(40);
  });

  it("are all still documented (no proof of a command that is gone)", () => {
    const present = new Set(documented.map((c) => id(c.file, c.key)));
    expect(COMMAND_PROOFS.map((p) => id(p.page, p.command)).filter((key) => !present.has(key))).toEqual([]);
    expect(new Set(COMMAND_PROOFS.map((p) => id(p.page, p.command))).size).toBe(COMMAND_PROOFS.length);
  });

  it("name test files that exist and make the call, and CI steps that exist", () => {
    const ci = readFileSync(join(root, ".ci/run"), "utf8");
    for (const { page, command, proof } of COMMAND_PROOFS) {
      const where = id(page, command);
      if ("test" in proof) {
        expect(existsSync(join(root, proof.test)), `${where}: ${proof.test}`).toBe(true);
        expect(readFileSync(join(root, proof.test), "utf8"), `${where}: ${proof.test}`).toContain(
          proof.shows,
        );
      } else if ("ci" in proof) {
        expect(ci, where).toContain(`step "${proof.ci}"`);
      }
    }
  });
});

describe("shellCommands", () => {
  it("joins continuation lines and quoted newlines, cuts comments, skips other blocks", () => {
    const page = [
      "```sh",
      "# a comment line",
      "curl -s x \\",
      "  -d '{",
      '  "a": 1}' + "'   # trailing comment",
      "",
      'echo "it\'s # not a comment"',
      "```",
      "```ts",
      "ignored()",
      "```",
      "```",
      "tree/  not a command",
      "```",
    ].join("\n");
    expect(shellCommands("p.md", page).map((c) => [c.line, c.text, c.key])).toEqual([
      [3, "curl -s x    -d '{\n  \"a\": 1}'", "curl -s x -d '{ \"a\": 1}'"],
      [7, 'echo "it\'s # not a comment"', 'echo "it\'s # not a comment"'],
    ]);
  });
});
