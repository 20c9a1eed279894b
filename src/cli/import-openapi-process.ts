// The child process of `patchbay import-openapi` (import-openapi.ts): it reads the settings from the
// environment it shares with the command, imports the one file it is sent, tells the command how that
// ended, and exits. Standard output is the command's; standard error is relayed by the command, which
// turns V8's report of a process out of heap into one line.
import { enableCompileCache } from "node:module";
import type { FileImport } from "./import-openapi-file.ts";

/** How the import ended, sent to the command before the process exits. */
export type ImportEnd = { kind: "done" } | { kind: "failed"; message: string };

enableCompileCache();

process.once("message", async (options: FileImport) => {
  let end: ImportEnd;
  try {
    const { loadConfig } = await import("../config.ts");
    const { importOpenApiFile } = await import("./import-openapi-file.ts");
    await importOpenApiFile(loadConfig(), options);
    end = { kind: "done" };
  } catch (error) {
    end = { kind: "failed", message: error instanceof Error ? error.message : String(error) };
  }
  process.send?.(end, () => {
    process.disconnect();
    process.exitCode = end.kind === "done" ? 0 : 1;
  });
});
