import { fork } from "node:child_process";
import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Config } from "../config.ts";
// The limits file, not the index: this process only checks the command line and runs the import's.
import { MAX_DOCUMENT_BYTES } from "../connectors/openapi/import-limits.ts";
import type { FileImport } from "./import-openapi-file.ts";
import type { ImportEnd } from "./import-openapi-process.ts";
import { UsageError } from "./usage-error.ts";

const MIB = 1024 * 1024;
/** How V8 begins its report of a process that ran out of heap: the GC trace, or the fatal error line. */
const V8_FATAL = /^(<--- Last few GCs --->|FATAL ERROR:|#\s*Fatal)/;
const OUT_OF_MEMORY = /heap out of memory|Allocation failed/i;

/** The options of `patchbay import-openapi`. */
export interface ImportOptions {
  slug: string;
  /** Operation ids to keep; each item may be a comma-separated list. */
  select: string[];
  update: boolean;
  version?: string;
  category?: string;
  json: boolean;
  /** The tenant that owns the imported connector (the operator at the console acts as its admin). */
  tenant?: string;
}

/**
 * Runs the import in a child process (import-openapi-process.ts) and relays its standard error line by
 * line, until V8 begins a fatal report: a process that runs out of heap cannot catch it, and V8 prints
 * its GC trace and native stack. That report is dropped, and the command fails with one line instead.
 */
function importInChild(options: FileImport): Promise<void> {
  const child = fork(fileURLToPath(new URL("./import-openapi-process.ts", import.meta.url)), [], {
    stdio: ["ignore", "inherit", "pipe", "ipc"],
  });
  let end: ImportEnd | undefined;
  let fatal = "";
  let pending = "";
  let blanks = 0;
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    if (fatal !== "") {
      fatal = (fatal + chunk).slice(0, 4096);
      return;
    }
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    for (const [index, line] of lines.entries()) {
      if (V8_FATAL.test(line)) {
        fatal = lines.slice(index).join("\n");
        return;
      }
      // V8's report starts after an empty line: empty lines wait for the line they come before.
      if (line === "") blanks++;
      else {
        process.stderr.write(`${"\n".repeat(blanks)}${line}\n`);
        blanks = 0;
      }
    }
  });
  child.on("message", (message: ImportEnd) => {
    end = message;
  });
  child.send(options);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (fatal === "" && pending !== "") process.stderr.write(pending);
      if (end?.kind === "done" && code === 0) resolve();
      else if (end?.kind === "failed") reject(new Error(end.message));
      else if (OUT_OF_MEMORY.test(fatal))
        reject(
          new Error(
            `${options.file}: the import ran out of memory (NODE_OPTIONS=--max-old-space-size=<MiB> gives it more)`,
          ),
        );
      else reject(new Error(`${options.file}: the import ended unexpectedly (exit ${code ?? "by signal"})`));
    });
  });
}

/**
 * `patchbay import-openapi <file> --slug <slug> [--select op1,op2] [--update]`: checks the command line
 * and the file's size here, then imports in a child process (import-openapi-file.ts does the work), so
 * that whatever ends the import, even running out of memory, is one line on standard error. The settings
 * were read and checked by the command line; the child reads the same environment again.
 */
export async function runImportOpenApi(_config: Config, file: string, given: ImportOptions): Promise<number> {
  if (given.tenant === "") throw new UsageError("--tenant needs a tenant id");
  const size = await stat(file).then(
    (s) => s.size,
    () => {
      throw new UsageError(`cannot read ${file}`);
    },
  );
  // The command line was right; the file is what cannot be imported: a failure (1), not a usage error.
  if (size > MAX_DOCUMENT_BYTES) {
    throw new Error(`${file} is larger than ${MAX_DOCUMENT_BYTES / MIB} MiB, the import's limit`);
  }
  await importInChild({
    file,
    size,
    slug: given.slug,
    select: given.select
      .flatMap((list) => list.split(","))
      .map((s) => s.trim())
      .filter(Boolean),
    update: given.update,
    version: given.version ?? "",
    category: given.category ?? "",
    json: given.json,
    tenant: given.tenant ?? "",
  });
  return 0;
}
