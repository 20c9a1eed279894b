// The `patchbay` command (bin/patchbay.js). Only the command definitions and the settings reader load
// here; each command loads what it runs with after the settings are read.
import { enableCompileCache } from "node:module";

// Compiled modules (TypeScript stripped, V8 bytecode) are reused from Node's compile cache (a folder
// under the OS temp dir): a command after the first loads what it runs with in about a third of the time.
enableCompileCache();
const { runCli } = await import("./run-cli.ts");

const code = await runCli(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
