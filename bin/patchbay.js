#!/usr/bin/env node
// The `patchbay` command. The CLI is TypeScript, which Node runs directly from version 24 on; under an
// older Node (a system Node 20, say) this re-runs itself with the project's own Node 24 from node_modules.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const major = Number(process.versions.node.split(".")[0]);
if (major >= 24) {
  await import(cli);
} else {
  const node24 = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url));
  if (!existsSync(node24)) {
    process.stderr.write(
      `patchbay: needs Node.js 24 or newer (this is ${process.version}); run 'npm ci' first\n`,
    );
    process.exit(1);
  }
  const result = spawnSync(node24, [cli, ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(result.status ?? 1);
}
