import type { Config } from "../config.ts";
import { type Database, openDatabase } from "../db/index.ts";
import { ENTITIES } from "../entities.ts";
import { createLogger } from "../logging/logger.ts";

/** Opens the configured database for a one-shot command (and applies pending migrations unless told not to). */
export async function openCliDatabase(
  config: Config,
  options: { migrate?: boolean } = {},
): Promise<Database> {
  const logger = createLogger({ level: "warn", format: config.logFormat, destination: process.stderr });
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: 2,
    logger,
    entities: ENTITIES,
  });
  if (options.migrate === false) return db;
  try {
    await db.migrate();
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
