import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { connectorNameProblem, connectorNames } from "./scaffold/connector-names.ts";
import { renderConnector } from "./scaffold/connector-template.ts";
import { type RegisterResult, RegistryConflict, registerBuiltIn } from "./scaffold/register-built-in.ts";

const BUILT_IN_DIR = "src/connectors/builtin";
const INDEX = `${BUILT_IN_DIR}/index.ts`;
const MAX_DESCRIPTION_LENGTH = 200;

/** Options for {@link scaffoldConnector}. */
export interface ScaffoldOptions {
  /** The project root: the folder holding `src/connectors/builtin/index.ts`. */
  dir: string;
  /** The connector name, kebab-case (`acme-crm`). */
  name: string;
  /** One line for the definition's `description`; `Connector for <Title>.` when absent. */
  description?: string;
  /** Rewrite the handler file when it exists (the registry is still only added to). */
  force?: boolean;
}

/** What {@link scaffoldConnector} did. */
export interface ScaffoldResult {
  /** The handler file, relative to the project root. */
  file: string;
  /** Whether the handler file was new or rewritten under `force`. */
  handler: "created" | "rewritten";
  /** Whether `builtin/index.ts` changed (false when it already registered the connector). */
  registryUpdated: boolean;
  /** The exported definition's name (`acmeCrmConnector`). */
  definition: string;
  /** Whether the project's Biome formatted the handler (otherwise it is written pre-formatted). */
  formatted: boolean;
}

/** A scaffold that cannot go ahead; `exitCode` is 2 for bad input, 1 for a conflict with the project. */
export class ScaffoldError extends Error {
  override name = "ScaffoldError";
  /** The CLI's exit status for this failure. */
  readonly exitCode: 1 | 2;

  constructor(message: string, exitCode: 1 | 2) {
    super(message);
    this.exitCode = exitCode;
  }
}

function descriptionProblem(description: string): string | undefined {
  if (description.trim() === "") return "description must not be empty";
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    return `description must be at most ${MAX_DESCRIPTION_LENGTH} characters`;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
  if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(description)) return "description must be one line";
  return undefined;
}

/** Another built-in file that declares a connector called `name`, if any. */
async function fileDeclaring(dir: string, name: string): Promise<string | undefined> {
  const declares = new RegExp(`^\\s*name:\\s*["'\`]${name}["'\`]`, "m");
  for (const file of (await readdir(join(dir, BUILT_IN_DIR))).sort()) {
    if (!file.endsWith(".ts") || file === "index.ts" || file === `${name}.ts`) continue;
    if (declares.test(await readFile(join(dir, BUILT_IN_DIR, file), "utf8"))) return file;
  }
  return undefined;
}

/** Runs the project's Biome formatter over `source`; undefined when the project has no Biome. */
function biomeFormat(dir: string, file: string, source: string): Promise<string | undefined> {
  const biome = join(dir, "node_modules", ".bin", "biome");
  if (!existsSync(biome)) return Promise.resolve(undefined);
  return new Promise((done) => {
    const child = execFile(
      biome,
      ["format", "--vcs-enabled=false", `--stdin-file-path=${file}`],
      { cwd: dir, timeout: 30_000 },
      (error, stdout) => done(error === null && stdout !== "" ? stdout : undefined),
    );
    child.stdin?.end(source);
  });
}

/**
 * Writes `src/connectors/builtin/<name>.ts` (a typed `defineConnector()` stub) and registers it in
 * `builtin/index.ts`. Idempotent for the registry; an existing handler is only rewritten with `force`.
 */
export async function scaffoldConnector(options: ScaffoldOptions): Promise<ScaffoldResult> {
  const dir = resolve(options.dir);
  const nameProblem = connectorNameProblem(options.name);
  if (nameProblem !== undefined) throw new ScaffoldError(nameProblem, 2);
  const names = connectorNames(options.name);
  const description = options.description ?? `Connector for ${names.title}.`;
  const problem = descriptionProblem(description);
  if (problem !== undefined) throw new ScaffoldError(problem, 2);
  if (!existsSync(join(dir, INDEX))) {
    throw new ScaffoldError(`no ${INDEX} under ${dir}; run in the project root or pass --dir`, 1);
  }
  const file = `${BUILT_IN_DIR}/${names.name}.ts`;
  const exists = existsSync(join(dir, file));
  if (exists && options.force !== true) {
    throw new ScaffoldError(`${file} exists; pass --force to overwrite`, 1);
  }
  const other = await fileDeclaring(dir, names.name);
  if (other !== undefined) {
    throw new ScaffoldError(`connector name '${names.name}' is already used by ${BUILT_IN_DIR}/${other}`, 1);
  }
  const index = await readFile(join(dir, INDEX), "utf8");
  let registry: RegisterResult;
  try {
    registry = registerBuiltIn(index, names);
  } catch (error) {
    if (error instanceof RegistryConflict) throw new ScaffoldError(error.message, 1);
    throw error;
  }
  const source = renderConnector(names, description);
  const formatted = await biomeFormat(dir, file, source);
  await writeFile(join(dir, file), formatted ?? source);
  if (registry.changed) await writeFile(join(dir, INDEX), registry.source);
  return {
    file,
    handler: exists ? "rewritten" : "created",
    registryUpdated: registry.changed,
    definition: names.definition,
    formatted: formatted !== undefined,
  };
}

/** What the CLI prints after a scaffold: what changed and what to do next. */
export function describeScaffold(result: ScaffoldResult): string {
  const registry = result.registryUpdated
    ? `updated ${INDEX}: imports ${result.definition} and lists it in BUILT_IN_DEFINITIONS`
    : `${INDEX} already registers ${result.definition} (unchanged)`;
  return `${result.handler} ${result.file}
${registry}

next steps:
  1. edit ${result.file}: replace the placeholder test and listItems commands with the API's real ones
  2. add a test under test/connectors/ (executeDefinition runs a command without a server)
  3. run: npm run check && npm test
`;
}

/** `patchbay scaffold <name> [-d|--description <text>] [-f|--force] [--dir <project root>]`. */
export async function runScaffold(
  name: string,
  options: { description?: string; force: boolean; dir?: string },
): Promise<number> {
  try {
    const result = await scaffoldConnector({
      dir: options.dir ?? process.cwd(),
      name,
      force: options.force,
      ...(options.description === undefined ? {} : { description: options.description }),
    });
    process.stdout.write(describeScaffold(result));
    return 0;
  } catch (error) {
    if (!(error instanceof ScaffoldError)) throw error;
    process.stderr.write(`patchbay: ${error.message}\n`);
    return error.exitCode;
  }
}
