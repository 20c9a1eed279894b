import pg from "pg";
import { ADMIN_URL } from "./postgres.ts";
import { stopOrphanServers } from "./stop-orphan-servers.ts";

/**
 * Fails the run early, with the fix, when the PostgreSQL the tests need is not reachable; at the end,
 * stops embedded servers that crashed or killed test processes left behind.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("select 1");
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${ADMIN_URL} (${(error as Error).message}). Start it with: ` +
        "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  return async () => {
    await stopOrphanServers();
  };
}
