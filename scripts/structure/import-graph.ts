import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** The static imports between the `.ts` files of a folder, by path relative to it. */
export interface ImportGraph {
  /** The folder, absolute. */
  readonly root: string;
  /** Each file's source, by relative path (`catalog/slug.ts`). */
  readonly sources: ReadonlyMap<string, string>;
  /** Each file's imports of other files in the folder (relative paths); `import type` included. */
  readonly imports: ReadonlyMap<string, readonly string[]>;
}

function listFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return listFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

// `import … from "./x.ts"` and `export … from "./x.ts"`, over several lines; dynamic `import()` is left
// out on purpose: a lazily loaded module ties nothing together at load time.
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+"(\.{1,2}\/[^"]+)"/g;

/** Reads the import graph of every `.ts` file under `folder`. */
export function readImportGraph(folder: string): ImportGraph {
  const root = resolve(folder);
  const files = listFiles(root).sort();
  const sources = new Map(files.map((file) => [relative(root, file), readFileSync(file, "utf8")]));
  const imports = new Map<string, string[]>();
  for (const [file, text] of sources) {
    const targets = [...text.matchAll(IMPORT)]
      .map((match) => relative(root, resolve(dirname(join(root, file)), match[1] as string)))
      .filter((target) => sources.has(target));
    imports.set(file, targets);
  }
  return { root, sources, imports };
}

/** The strongly connected components with more than one file (Tarjan's algorithm): the import cycles. */
export function findCycles(graph: ImportGraph): string[][] {
  let counter = 0;
  const indexOf = new Map<string, number>();
  const lowOf = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string): void => {
    indexOf.set(file, counter);
    lowOf.set(file, counter);
    counter += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.imports.get(file) ?? []) {
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
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const file of graph.sources.keys()) if (!indexOf.has(file)) visit(file);
  return found.sort((a, b) => b.length - a.length);
}

/** The top folder of a relative path (`catalog` for `catalog/slug.ts`); the file name for a root file. */
export function folderOf(file: string): string {
  return file.split("/")[0] as string;
}

/** Lines declaring module-level mutable state (`let`/`var` at the top level), as `file: line`. */
export function moduleState(graph: ImportGraph): string[] {
  return [...graph.sources].flatMap(([file, text]) =>
    text
      .split("\n")
      .filter((line) => /^(export )?(let|var) /.test(line))
      .map((line) => `${file}: ${line.trim()}`),
  );
}
