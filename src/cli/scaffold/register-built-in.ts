import type { ConnectorNames } from "./connector-names.ts";

/** Biome's `lineWidth` in this project: the array goes one entry per line when it would not fit. */
const LINE_WIDTH = 110;

const SIBLING_IMPORT = /^import \{ ([\w$, ]+) \} from "\.\/([^"]+?)(?:\.[cm]?[jt]s)?";$/;
const REGISTRY = /(export const BUILT_IN_DEFINITIONS\b[^=]*=\s*)\[([^\]]*)\];/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const INDEX = "src/connectors/builtin/index.ts";

/** The registry cannot take the connector: its name is taken, or the file is not in a shape we edit. */
export class RegistryConflict extends Error {
  override name = "RegistryConflict";
}

/** The outcome of {@link registerBuiltIn}: the new text of `builtin/index.ts` and whether it changed. */
export interface RegisterResult {
  source: string;
  changed: boolean;
}

/** `import { a, b } from "./<module>.ts";` on line `line`. */
interface SiblingImport {
  line: number;
  names: string[];
  module: string;
}

function siblingImports(lines: readonly string[]): SiblingImport[] {
  const found: SiblingImport[] = [];
  lines.forEach((text, line) => {
    const match = SIBLING_IMPORT.exec(text);
    if (match?.[1] !== undefined && match[2] !== undefined) {
      found.push({ line, names: match[1].split(",").map((name) => name.trim()), module: match[2] });
    }
  });
  return found;
}

/** `-` before digits before letters. */
function rank(token: string): number {
  if (token === "-") return 0;
  return /^\d/.test(token) ? 1 : 2;
}

/** Digit runs by value, then the one with fewer leading zeros first. */
function compareNumbers(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, "");
  const y = b.replace(/^0+(?=\d)/, "");
  if (x.length !== y.length) return x.length - y.length;
  if (x !== y) return x < y ? -1 : 1;
  return a.length - b.length;
}

function compareTokens(x: string, y: string): number {
  if (rank(x) !== rank(y)) return rank(x) - rank(y);
  if (rank(x) === 1) return compareNumbers(x, y);
  if (x === y) return 0;
  return x < y ? -1 : 1;
}

/**
 * Orders kebab-case module names the way Biome's import organizer orders `./<name>.ts`: a name before
 * its longer forms, `-` before digits before letters, digit runs by value (`a2` before `a10`).
 */
export function compareModuleNames(a: string, b: string): number {
  const left = a.match(/\d+|./g) ?? [];
  const right = b.match(/\d+|./g) ?? [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const order = compareTokens(left[i] ?? "", right[i] ?? "");
    if (order !== 0) return order;
  }
  return left.length - right.length;
}

function withImport(lines: string[], names: ConnectorNames, imports: readonly SiblingImport[]): void {
  const existing = imports.find((entry) => entry.module === names.name);
  if (existing !== undefined) {
    if (existing.names.includes(names.definition)) return;
    throw new RegistryConflict(
      `${INDEX} imports ${existing.names.join(", ")} from ./${names.name}.ts, not ${names.definition}`,
    );
  }
  const clash = imports.find((entry) => entry.names.includes(names.definition));
  if (clash !== undefined) {
    throw new RegistryConflict(`${INDEX} already imports ${names.definition} from ./${clash.module}.ts`);
  }
  const next = imports.find((entry) => compareModuleNames(entry.module, names.name) > 0);
  const lastImport = lines.findLastIndex((text) => text.startsWith("import "));
  const at = next?.line ?? (imports.at(-1)?.line ?? lastImport) + 1;
  lines.splice(at, 0, `import { ${names.definition} } from "./${names.name}.ts";`);
}

function withEntry(source: string, names: ConnectorNames, imports: readonly SiblingImport[]): string {
  const match = REGISTRY.exec(source);
  if (match?.[1] === undefined || match[2] === undefined) {
    throw new RegistryConflict(`cannot find BUILT_IN_DEFINITIONS = [...] in ${INDEX}; register it by hand`);
  }
  const entries = match[2]
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (!entries.every((entry) => IDENTIFIER.test(entry))) {
    throw new RegistryConflict(`BUILT_IN_DEFINITIONS in ${INDEX} holds more than names; register it by hand`);
  }
  if (entries.includes(names.definition)) return source;
  // Entries are ordered by the module they come from, so the list reads like the imports.
  const moduleOf = (entry: string) => imports.find((i) => i.names.includes(entry))?.module ?? entry;
  const at = entries.findIndex((entry) => compareModuleNames(moduleOf(entry), names.name) > 0);
  entries.splice(at === -1 ? entries.length : at, 0, names.definition);
  const head = match[1].trimEnd();
  const indent = source.slice(source.lastIndexOf("\n", match.index) + 1, match.index);
  const oneLine = `${head} [${entries.join(", ")}];`;
  const rendered =
    indent.length + oneLine.length <= LINE_WIDTH
      ? oneLine
      : `${head} [\n${entries.map((entry) => `${indent}  ${entry},\n`).join("")}${indent}];`;
  return `${source.slice(0, match.index)}${rendered}${source.slice(match.index + match[0].length)}`;
}

/**
 * Adds `import { <definition> } from "./<name>.ts";` among the sibling imports and `<definition>` to
 * `BUILT_IN_DEFINITIONS`, each in Biome's alphabetical order, to the text of `builtin/index.ts`, laid out
 * as Biome formats it. What is already there is kept, so a second run changes nothing.
 */
export function registerBuiltIn(source: string, names: ConnectorNames): RegisterResult {
  const lines = source.split("\n");
  withImport(lines, names, siblingImports(lines));
  const imported = lines.join("\n");
  const updated = withEntry(imported, names, siblingImports(lines));
  return { source: updated, changed: updated !== source };
}
