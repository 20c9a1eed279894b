// Prints the structural figures docs/architecture.md tracks, for any checkout:
//   npm run structure -- [--verbose] [src-folder]
// - import cycles: strongly connected components of the import graph (value and type imports: a
//   type-level cycle still ties two folders together), with their size;
// - imports into server/ from other folders (server/ is the composition root: nothing imports it);
// - module-level mutable state (`let`/`var` at the top level of a module);
// - `as never` and `as unknown as` casts;
// - files over 200 lines.
import { parseArgs } from "node:util";
import { findCycles, folderOf, moduleState, readImportGraph } from "./structure/import-graph.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { verbose: { type: "boolean" } },
});
const graph = readImportGraph(positionals[0] ?? "src");
const verbose = values.verbose === true;
const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const detail = (lines: readonly string[]): void => {
  if (verbose) for (const line of lines) print(`  - ${line}`);
};

const cycles = findCycles(graph);
const isRootFile = (file: string) => !file.includes("/");
const serverImports = [...graph.imports].flatMap(([file, targets]) =>
  folderOf(file) === "server" || isRootFile(file)
    ? []
    : targets.filter((target) => folderOf(target) === "server").map((target) => `${file} -> ${target}`),
);
const state = moduleState(graph);
const casts = [...graph.sources.values()].reduce(
  (sum, text) => sum + (text.match(/as never\b|as unknown as\b/g)?.length ?? 0),
  0,
);
const longFiles = [...graph.sources]
  .map(([file, text]) => ({ file, lines: text.split("\n").length - (text.endsWith("\n") ? 1 : 0) }))
  .filter((entry) => entry.lines > 200)
  .sort((a, b) => b.lines - a.lines);

print(`files: ${graph.sources.size}`);
print(
  `import cycles: ${cycles.length} (files in cycles: ${cycles.reduce((sum, c) => sum + c.length, 0)}; largest: ${cycles[0]?.length ?? 0})`,
);
detail(cycles.map((cycle) => cycle.join(", ")));
print(`imports into server/ from other folders: ${serverImports.length}`);
detail(serverImports);
print(`module-level let/var: ${state.length}`);
detail(state);
print(`as never / as unknown as: ${casts}`);
print(`files over 200 lines: ${longFiles.length}`);
detail(longFiles.map((entry) => `${entry.file} (${entry.lines})`));
