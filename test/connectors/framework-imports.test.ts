import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+"(\.{1,2}\/[^"]+)"/g;

/** Every src/ file `start` reaches through relative imports (type-only ones included). */
function reached(start: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...start];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const target = resolve(dirname(file), match[1] as string);
      if (target.startsWith(`${SRC}/`)) queue.push(target);
    }
  }
  return seen;
}

const filesOf = (folder: string) =>
  readdirSync(join(SRC, folder))
    .filter((name) => name.endsWith(".ts"))
    .map((name) => join(SRC, folder, name));
const foldersOf = (files: Set<string>) =>
  new Set([...files].map((file) => relative(SRC, file).split("/")[0]));

describe("the connector framework's dependencies", () => {
  it("keeps connectors/define and connectors/external (the SDK connector authors use) off catalog/ and server/", () => {
    const folders = foldersOf(reached([...filesOf("connectors/define"), ...filesOf("connectors/external")]));
    expect(folders).not.toContain("catalog");
    expect(folders).not.toContain("server");
  });

  it("keeps db/ free of every feature: the composition root passes the entities", () => {
    const folders = foldersOf(reached(filesOf("db")));
    expect([...folders].sort()).toEqual(["db", "logging"]);
  });
});
