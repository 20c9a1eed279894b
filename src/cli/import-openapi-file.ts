import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { create } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import {
  CreateConnectorRequestSchema,
  UpdateConnectorRequestSchema,
} from "../../gen/patchbay/v1/catalog_pb.ts";
import { BOOTSTRAP_TENANT } from "../auth/index.ts";
import { type CatalogDeps, createConnector, updateConnector } from "../catalog/index.ts";
import type { Config } from "../config.ts";
import { createLiveConnectionCounter } from "../connections/index.ts";
import { BUILT_IN_DEFINITIONS } from "../connectors/index.ts";
import { createOpenApiImporter, type ImportProgress, warningTotal } from "../connectors/openapi/index.ts";
import { createOutboundClient } from "../outbound/index.ts";
import { createPageTokens } from "../paging/index.ts";
import { createSecretBox, resolveMasterKeys } from "../secrets/index.ts";
import { openCliDatabase } from "./open-cli-database.ts";

const MIB = 1024 * 1024;
const WARNINGS_SHOWN = 20;

/** What `patchbay import-openapi` was asked, checked and normalised by its command line. */
export interface FileImport {
  file: string;
  /** Size of the file, in bytes. */
  size: number;
  slug: string;
  /** Operation ids to keep. */
  select: string[];
  update: boolean;
  /** "" for the default. */
  version: string;
  /** "" for none. */
  category: string;
  json: boolean;
  /** "" for the bootstrap tenant. */
  tenant: string;
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

/** A field-named INVALID_ARGUMENT from the import, re-worded for a file on the command line. */
function forFile(error: unknown, file: string): unknown {
  if (!(error instanceof ConnectError)) return error;
  return new Error(error.rawMessage.replace(/^openapi_document\b/, file));
}

/**
 * Imports the file as an openapi connector straight into the configured database (no request size
 * limit), with progress on standard error and the result on standard output. `update` re-imports an
 * existing connector; its version is bumped as far as the schema change requires. Throws what refused it.
 */
export async function importOpenApiFile(config: Config, options: FileImport): Promise<void> {
  const started = performance.now();
  const { size } = options;
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  progress(`reading ${options.file} (${(size / MIB).toFixed(2)} MiB)`);
  const document = await readFile(options.file, "utf8");
  const masterKeys = await resolveMasterKeys(config.masterKeys, config.dataDir);
  // Opening the database (starting the embedded one, applying migrations) can take seconds.
  progress(`opening the database${config.databaseUrl === undefined ? " (embedded)" : ""}`);
  const db = await openCliDatabase(config);
  // This command's own import worker and outbound client, for its one import; ended with it.
  const openapi = createOpenApiImporter();
  const outbound = createOutboundClient({ allow: config.egressAllow });
  try {
    const deps: CatalogDeps = {
      em: () => db.em(),
      pageTokens: createPageTokens(masterKeys.keys[0] as Buffer),
      secretBox: createSecretBox(masterKeys.keys),
      builtins: new Map(BUILT_IN_DEFINITIONS.map((d) => [d.name, d])),
      outbound,
      openapi,
      envOAuthClients: new Set(config.oauthClients.keys()),
      liveConnections: createLiveConnectionCounter(() => db.em()),
      now: () => new Date(),
      // No connector lookup cache lives in this one-shot command; a running server learns of the new
      // connector when its own cached view expires.
      changed: () => undefined,
    };
    const caller = { tenantId: options.tenant || BOOTSTRAP_TENANT, subject: "cli", admin: true };
    let lastStage = "";
    const onProgress = (p: ImportProgress) => {
      if (p.stage !== "building") progress(`${p.stage} (${seconds(started)})`);
      else if (p.done === 0 || lastStage !== "building")
        progress(
          `building commands: ${p.total} operation(s)${options.select.length > 0 ? `, keeping ${options.select.length}` : ""}`,
        );
      else progress(`building commands: ${p.done}/${p.total}`);
      lastStage = p.stage;
    };
    const result = await (options.update
      ? updateConnector(
          deps,
          caller,
          create(UpdateConnectorRequestSchema, {
            slug: options.slug,
            openapiDocument: document,
            operations: options.select,
            autoBump: true,
            ...(options.version !== "" ? { version: options.version } : {}),
            ...(options.category !== "" ? { category: options.category } : {}),
          }),
          { onProgress },
        ).then((u) => ({ row: u.row, warnings: u.warnings, previous: u.previousVersion }))
      : createConnector(
          deps,
          caller,
          create(CreateConnectorRequestSchema, {
            name: options.slug,
            executionModel: "openapi",
            openapiDocument: document,
            operations: options.select,
            version: options.version,
            category: options.category,
          }),
          { onProgress },
        ).then((c) => ({ ...c, previous: undefined }))
    ).catch((error: unknown) => {
      throw forFile(error, options.file);
    });
    const { row, warnings } = result;
    const names = Object.keys(row.configSchema.commands ?? {});
    const commands = names.length;
    const verb =
      result.previous === undefined
        ? "created"
        : result.previous === row.version
          ? "updated"
          : `updated ${result.previous} →`;
    progress(
      `${verb} ${row.slug} ${row.version} (${row.authType}) with ${commands} command(s) in ${seconds(started)}`,
    );
    // The import's last line may count the warnings it did not return: it is not one itself.
    const total = warningTotal(warnings);
    if (total > 0) {
      progress(`${total} warning(s):`);
      const shown = warnings.slice(0, Math.min(WARNINGS_SHOWN, total));
      for (const w of shown) progress(`  - ${w}`);
      if (total > shown.length)
        progress(
          `  … ${total - shown.length} more (--json lists ${total === warnings.length ? "all" : `the first ${warnings.length - 1}`})`,
        );
    }
    process.stdout.write(
      options.json
        ? `${JSON.stringify({ slug: row.slug, version: row.version, authType: row.authType, commands: names, warnings })}\n`
        : `${row.slug} ${row.version}\n`,
    );
  } finally {
    await openapi.close();
    await outbound.close();
    await db.close();
  }
}
