import { Command } from "commander";
import type { AgentFlags } from "../agent/index.ts";
// The rule files, not the auth index: defining the commands must not load the database layer.
import { DEFAULT_OVERLAP_SECONDS, MAX_OVERLAP_SECONDS } from "../auth/api-key-rules.ts";
import { SCOPES } from "../auth/scopes.ts";
import { loadConfig } from "../config.ts";
import { parseExpiry } from "./parse-expiry.ts";
import { requireOptions } from "./require-options.ts";
import { wholeNumber } from "./whole-number.ts";

/** Where the program writes, and where a command leaves its exit status. */
export interface ProgramIo {
  writeOut(text: string): void;
  /** Help and errors; `outputError` gets commander's own refusals (unknown option, missing argument). */
  writeErr(text: string): void;
  outputError(text: string, write: (text: string) => void): void;
  /** The exit status of the command that ran; -1 while it keeps the process alive (serve). */
  finish(code: number): void;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/**
 * The `patchbay` command. Every action reads the settings first and only then loads what it runs with
 * (the database layer, the catalog): a bad setting is reported before anything heavy is loaded.
 */
export function createProgram(version: string, io: ProgramIo): Command {
  const program = new Command("patchbay")
    .description("Patchbay: a gRPC-first connector execution service, and the tools to operate it.")
    .version(version, "-V, --version", "print the version and exit")
    .helpOption("-h, --help", "show help for a command")
    // Options belong to the command they follow: `import-openapi --version 1.2.0` is that command's.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput(io)
    .addHelpText("after", "\nSettings come from the environment (see the README's configuration table).");

  program
    .command("serve")
    .description("start the server (same as npm start)")
    .action(async () => {
      await import("../main.ts");
      io.finish(-1);
    });

  program
    .command("migrate")
    .description("apply pending database migrations and exit")
    .action(async () => {
      const config = loadConfig();
      io.finish(await (await import("./migrate.ts")).runMigrate(config));
    });

  const keys = program.command("keys").description("create, list, revoke and rotate API keys");
  const create = keys
    .command("create")
    .description("issue an API key; prints it once")
    .option("--subject <subject>", "the user or service the key acts for (required)")
    .option("--scope <scope>", `a scope to grant, repeatable, at least one (${SCOPES.join(", ")})`, collect)
    .option("--tenant <tenant>", "tenant of the key (default: the bootstrap tenant, default)")
    .option("--name <name>", "a label for people")
    .option("--tier <tier>", "rate-limit tier from PATCHBAY_RATE_LIMITS (default: standard)")
    .option(
      "--agent-pool <pool>",
      "the on-premise agent pool a key with --scope agent serves (required with it)",
    )
    .option("--expires <when>", "stop working at an RFC 3339 time or after a span (90d, 12h, 30m)", (v) =>
      parseExpiry(v),
    )
    .option("--json", "print the key and its details as JSON", false)
    .action(
      async (options: {
        subject: string;
        scope: string[];
        tenant?: string;
        name?: string;
        tier?: string;
        agentPool?: string;
        expires?: Date;
        json: boolean;
      }) => {
        const config = loadConfig();
        const { runKeysCreate } = await import("./keys.ts");
        io.finish(
          await runKeysCreate(config, {
            ...options,
            ...(options.expires === undefined ? {} : { expiresAt: options.expires }),
          }),
        );
      },
    );
  requireOptions(create, "subject", "scope");
  keys
    .command("list")
    .description("list API keys, newest first (never the keys themselves)")
    .option("--tenant <tenant>", "only this tenant's keys")
    .option("--json", "print JSON", false)
    .action(async (options: { tenant?: string; json: boolean }) => {
      const config = loadConfig();
      io.finish(await (await import("./keys.ts")).runKeysList(config, options));
    });
  keys
    .command("revoke")
    .description("revoke an API key; running servers refuse it at once")
    .argument("<id-or-prefix>", "the key's id, or its visible prefix (pb_ and 9 characters)")
    .option("--tenant <tenant>", "only a key of this tenant")
    .option("--json", "print JSON", false)
    .action(async (ref: string, options: { tenant?: string; json: boolean }) => {
      const config = loadConfig();
      io.finish(await (await import("./keys.ts")).runKeysRevoke(config, ref, options));
    });
  keys
    .command("rotate")
    .description("issue a key like this one; the old key works for the overlap, then stops")
    .argument("<id-or-prefix>", "the key's id, or its visible prefix")
    .option(
      "--overlap <seconds>",
      `how long the old key keeps working (default ${DEFAULT_OVERLAP_SECONDS}, 0 = at once, at most ${MAX_OVERLAP_SECONDS})`,
      wholeNumber(0, MAX_OVERLAP_SECONDS),
    )
    .option("--tenant <tenant>", "only a key of this tenant")
    .option("--json", "print JSON", false)
    .action(async (ref: string, options: { overlap?: number; tenant?: string; json: boolean }) => {
      const config = loadConfig();
      io.finish(await (await import("./keys.ts")).runKeysRotate(config, ref, options));
    });
  keys
    .command("rotate-master")
    .description("re-seal every stored secret under the first PATCHBAY_MASTER_KEY key")
    .option("--batch-size <n>", "rows re-sealed per transaction (1-10000)", wholeNumber(1, 10_000), 200)
    .action(async (options: { batchSize: number }) => {
      const config = loadConfig();
      io.finish(await (await import("./rotate-master.ts")).runRotateMaster(config, options));
    });

  program
    .command("scaffold")
    .description("write src/connectors/builtin/<name>.ts and register it (needs no settings)")
    .argument("<name>", "the connector name, kebab-case (acme-crm)")
    .option("-d, --description <text>", "one line describing the connector")
    .option("-f, --force", "rewrite the handler file if it exists", false)
    .option("--dir <project root>", "the project root (default: the current folder)")
    .action(async (name: string, options: { description?: string; force: boolean; dir?: string }) => {
      io.finish(await (await import("./scaffold.ts")).runScaffold(name, options));
    });

  const importOpenApi = program
    .command("import-openapi")
    .description(
      "import an OpenAPI 3.x / Swagger 2.0 description (JSON or YAML) as a connector; --update re-imports an existing one (version bumped as needed)",
    )
    .argument("<file>", "the OpenAPI document")
    .option("--slug <slug>", "the connector's slug (required)")
    .option("--select <operations>", "operation ids to keep, comma-separated, repeatable", collect, [])
    .option("--update", "re-import an existing connector", false)
    .option("--version <version>", "the connector version (x.y.z)")
    .option("--category <category>", "the connector category")
    .option("--tenant <tenant>", "the tenant that owns the connector (default: default)")
    .option("--json", "print the result as JSON", false)
    .action(
      async (
        file: string,
        options: {
          slug: string;
          select: string[];
          update: boolean;
          version?: string;
          category?: string;
          tenant?: string;
          json: boolean;
        },
      ) => {
        const config = loadConfig();
        // Loaded only for this command: it brings the catalog and every connector (seconds of startup).
        io.finish(await (await import("./import-openapi.ts")).runImportOpenApi(config, file, options));
      },
    );
  requireOptions(importOpenApi, "slug");

  const mcp = program
    .command("mcp")
    .description("relay a stdio MCP client to a remote Patchbay's /mcp (needs no settings)")
    .option("--url <base>", "the Patchbay base URL, such as https://patchbay.example.com (required)")
    .option("--key-env <variable>", "the environment variable holding the API key", "PATCHBAY_API_KEY")
    .action(async (options: { url: string; keyEnv: string }) =>
      io.finish(await (await import("./mcp-bridge.ts")).runMcpBridge(options, process, io.writeErr)),
    );
  requireOptions(mcp, "url");

  program
    .command("agent")
    .description(
      "run an on-premise agent: carry Patchbay's HTTP requests into this network (needs no settings)",
    )
    .option("--url <base>", "the Patchbay base URL, such as https://patchbay.example.com (required)")
    .option(
      "--key-env <variable>",
      "the environment variable holding the agent's API key",
      "PATCHBAY_AGENT_KEY",
    )
    .option("--pool <pool>", "the agent pool the key is bound to (required)")
    .option(
      "--allow <entry>",
      "a host, IP or CIDR the agent may reach, with an optional :port; repeatable (also PATCHBAY_AGENT_ALLOW, comma-separated)",
      collect,
      [],
    )
    .option(
      "--connector <slug>",
      "accept only this connector's requests; repeatable (default: every one)",
      collect,
      [],
    )
    .option("--capacity <n>", "requests made at once (1-10000)", "64")
    .option("--name <name>", "a name for people (default: the id)")
    .option("--id <id>", "the agent's stable id (default: the host name)")
    .option("--health-port <port>", "serve GET /healthz on 127.0.0.1:<port>")
    .option(
      "--drain-timeout <seconds>",
      "how long requests in flight may take to finish once the stream drains (0-3600, default 30)",
    )
    .option(
      "--backoff-initial <seconds>",
      "the longest wait before the first reconnect, doubled each attempt (0.01-3600, default 0.5)",
    )
    .option("--backoff-max <seconds>", "the longest wait before any reconnect (0.01-3600, default 30)")
    .action(async (options: AgentFlags) => {
      const { runAgentCommand } = await import("./agent-command.ts");
      io.finish(await runAgentCommand(options, version, process));
    });

  return program;
}
