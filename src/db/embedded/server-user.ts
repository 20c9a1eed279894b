import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { EmbeddedPostgresError } from "./embedded-postgres-error.ts";

const run = promisify(execFile);

/** The OS user the embedded server's programs run as: undefined means this process's own user. */
export interface ServerUser {
  readonly uid: number;
  readonly gid: number;
}

/** The OS account PostgreSQL runs as when Patchbay runs as root (PostgreSQL refuses to run as root). */
const ACCOUNT = "postgres";

/**
 * Who runs `initdb`, `pg_ctl` and `postgres`: this process's user, or, when that is root, the `postgres`
 * account (created as a system account if the machine has none, as `embedded-postgres` does with its
 * `createPostgresUser` option).
 */
export async function serverUser(): Promise<ServerUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const found = await lookup();
  if (found !== undefined) return found;
  try {
    await run("useradd", [
      "--system",
      "--user-group",
      "--no-create-home",
      "--shell",
      "/usr/sbin/nologin",
      ACCOUNT,
    ]);
  } catch {
    throw new EmbeddedPostgresError(
      `running as root, the embedded PostgreSQL needs an OS account '${ACCOUNT}' and could not create one (useradd failed): create it, run as another user, or set DATABASE_URL`,
    );
  }
  const created = await lookup();
  if (created === undefined)
    throw new EmbeddedPostgresError(`could not find the OS account '${ACCOUNT}' after creating it`);
  return created;
}

async function lookup(): Promise<ServerUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([run("id", ["-u", ACCOUNT]), run("id", ["-g", ACCOUNT])]);
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    return undefined;
  }
}
