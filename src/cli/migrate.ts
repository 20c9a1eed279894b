import type { Config } from "../config.ts";
import { openDatabase } from "../db/index.ts";
import { createLogger } from "../logging/logger.ts";

/** `patchbay migrate`: applies pending migrations and says which. */
export async function runMigrate(config: Config): Promise<number> {
  const logger = createLogger({ level: "warn", format: config.logFormat, destination: process.stderr });
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: 2,
    logger,
  });
  try {
    const applied = await db.migrate();
    process.stdout.write(
      applied.length === 0
        ? `database (${db.kind}) is up to date\n`
        : `applied ${applied.length} migration(s) on ${db.kind}: ${applied.join(", ")}\n`,
    );
    return 0;
  } finally {
    await db.close();
  }
}
