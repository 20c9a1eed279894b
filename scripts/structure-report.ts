// Prints the structural figures the architecture page tracks, for any checkout:
//   node scripts/structure-report.ts [--verbose] [src-folder]
// - import cycles: strongly connected components of the import graph of src/ (value and type imports;
//   `import type` counts, since a type-level cycle still ties two folders together), with their size;
// - imports into server/ internals from other folders;
// - module-level mutable state (`let`/`var` at the top level of a module);
// - `as never` and `as unknown as` casts;
// - files over 200 lines.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { verbose: { type: "boolean" } },
});

const root = resolve(positionals[0] ?? "src");

function listFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return listFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

const files = listFiles(root).sort();
const sources = new Map(files.map((file) => [file, readFileSync(file, "utf8")]));
const importPattern = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+"(\.{1,2}\/[^"]+)"/g;

const graph = new Map<string, string[]>();
for (const [file, text] of sources) {
  const targets = [...text.matchAll(importPattern)]
    .map((match) => resolve(dirname(file), match[1] as string))
    .filter((target) => sources.has(target));
  graph.set(file, targets);
}

/** Tarjan's algorithm: the strongly connected components with more than one file. */
function cycles(): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const lowOf = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string): void => {
    indexOf.set(file, index);
    lowOf.set(file, index);
    index += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!indexOf.has(target)) {
        visit(target);
        lowOf.set(file, Math.min(lowOf.get(file) as number, lowOf.get(target) as number));
      } else if (onStack.has(target)) {
        lowOf.set(file, Math.min(lowOf.get(file) as number, indexOf.get(target) as number));
      }
    }
    if (lowOf.get(file) === indexOf.get(file)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1) found.push(component);
    }
  };
  for (const file of files) if (!indexOf.has(file)) visit(file);
  return found;
}

const folderOf = (file: string): string => relative(root, file).split("/")[0] as string;
const serverDir = join(root, "server");
const serverImports = [...graph].flatMap(([file, targets]) =>
  folderOf(file) === "server" || folderOf(file).endsWith(".ts")
    ? []
    : targets
        .filter((target) => target.startsWith(`${serverDir}/`))
        .map((target) => `${relative(root, file)} -> ${relative(root, target)}`),
);
const moduleState = [...sources].flatMap(([file, text]) =>
  text
    .split("\n")
    .filter((line) => /^(export )?(let|var) /.test(line))
    .map((line) => `${relative(root, file)}: ${line.trim()}`),
);
const casts = [...sources].reduce(
  (sum, [, text]) => sum + (text.match(/as never\b|as unknown as\b/g)?.length ?? 0),
  0,
);
const longFiles = [...sources]
  .map(([file, text]) => ({
    file: relative(root, file),
    lines: text.split("\n").length - (text.endsWith("\n") ? 1 : 0),
  }))
  .filter((entry) => entry.lines > 200)
  .sort((a, b) => b.lines - a.lines);

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const components = cycles().sort((a, b) => b.length - a.length);
const verbose = values.verbose === true;
print(`files: ${files.length}`);
print(
  `import cycles: ${components.length} (files in cycles: ${components.reduce((sum, c) => sum + c.length, 0)}; largest: ${components[0]?.length ?? 0})`,
);
if (verbose)
  for (const component of components)
    print(`  - ${component.map((file) => relative(root, file)).join(", ")}`);
print(`imports into server/ from other folders: ${serverImports.length}`);
if (verbose) for (const line of serverImports) print(`  - ${line}`);
print(`module-level let/var: ${moduleState.length}`);
if (verbose) for (const line of moduleState) print(`  - ${line}`);
print(`as never / as unknown as: ${casts}`);
print(`files over 200 lines: ${longFiles.length}`);
if (verbose) for (const entry of longFiles) print(`  - ${entry.file} (${entry.lines})`);
