import type { Config } from "../config.ts";
import { openCliDatabase } from "./open-cli-database.ts";

/** `patchbay migrate`: applies pending migrations and says which. */
export async function runMigrate(config: Config): Promise<number> {
  const db = await openCliDatabase(config, { migrate: false });
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
