import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config.ts";
import { runKeys } from "./keys.ts";
import { runMigrate } from "./migrate.ts";
import { runScaffold } from "./scaffold.ts";
import { UsageError } from "./usage-error.ts";

const USAGE = `usage: patchbay <command> [options]

commands:
  serve                         start the server (same as npm start)
  migrate                       apply pending database migrations and exit
  keys create --subject <s> --scope <scope> [--scope <scope>...] [--tenant <t>] [--name <n>] [--tier <t>] [--json]
  keys list [--tenant <t>] [--json]
  keys revoke <id-or-prefix>
  keys rotate-master [--batch-size <n>]
                                re-seal every stored secret under the first PATCHBAY_MASTER_KEY key
  scaffold <name> [-d|--description <text>] [-f|--force] [--dir <project root>]
                                write src/connectors/builtin/<name>.ts and register it
  import-openapi <file> --slug <slug> [--select op1,op2] [--update] [--version <v>] [--category <c>] [--json]
                                import an OpenAPI 3.x / Swagger 2.0 description (JSON or YAML) as a
                                connector; --update re-imports an existing one (version bumped as needed)

Settings come from the environment (see the README's configuration table).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === "serve") {
    await import("../main.ts");
    return -1; // the server keeps the process alive and exits on its own
  }
  if (command === "scaffold") return runScaffold(rest); // edits source files; needs no settings
  const config = loadConfig();
  switch (command) {
    case "migrate":
      parseArgs({ args: rest, options: {}, strict: true });
      return runMigrate(config);
    case "keys":
      return runKeys(config, rest);
    case "import-openapi":
      // Loaded only for this command: it brings the catalog and every connector (seconds of startup).
      return (await import("./import-openapi.ts")).runImportOpenApi(config, rest);
    default:
      throw new UsageError(`unknown command '${command}' (try: patchbay help)`);
  }
}

try {
  const code = await main(process.argv.slice(2));
  if (code >= 0) process.exitCode = code;
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`patchbay: invalid configuration: ${error.message}\n`);
    process.exitCode = 78;
  } else if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    process.stderr.write(`patchbay: ${(error as Error).message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`patchbay: ${(error as Error).message ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
