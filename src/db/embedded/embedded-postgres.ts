import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmod,
  chown,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import type { Logger } from "../../logging/logger.ts";
import { EmbeddedPostgresError } from "./embedded-postgres-error.ts";
import { isAlive } from "./is-alive.ts";
import { type PostgresBinaries, postgresBinaries } from "./postgres-binaries.ts";
import { serverLeases } from "./server-leases.ts";
import { withServerLock } from "./server-lock.ts";
import { type ServerUser, serverUser } from "./server-user.ts";

const run = promisify(execFile);

/** The cluster's superuser, used only to create Patchbay's role and database. */
const SUPERUSER = "postgres";
/** The role Patchbay connects as: owns its database, is no superuser (it cannot read files or run programs). */
const ROLE = "patchbay";
const DATABASE = "patchbay";
/** The server's programs are run by absolute path; this PATH is only for the shell pg_ctl starts and `test`. */
const SERVER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** A running embedded server this process holds a lease on. */
export interface EmbeddedPostgres {
  /** `postgresql://patchbay:…@127.0.0.1:<port>/patchbay`. */
  readonly url: string;
  /** Drops this process's lease; the last process to leave stops the server. */
  release(): Promise<void>;
}

/** Options for {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Patchbay's data folder; the cluster lives in `<dataDir>/postgres`. */
  readonly dataDir: string;
  readonly logger: Logger;
}

interface Cluster {
  readonly dataDir: string;
  readonly folder: string;
  readonly binaries: PostgresBinaries;
  readonly user: ServerUser | undefined;
  readonly logger: Logger;
}

/**
 * The embedded default: a private PostgreSQL server process (the binaries come from npm) whose cluster
 * lives in `<dataDir>/postgres`, reachable on 127.0.0.1 only, at a port kept from one start to the next
 * (`<dataDir>/postgres.port`; another one when it is taken), with a generated password kept in
 * `<dataDir>/postgres.password` (mode 0600). Patchbay connects as a role that owns its database and is
 * no superuser. The service and CLI calls share the server: the first process starts it (running
 * `initdb` once), the others attach, and the last one to leave stops it. The server runs in its own
 * session with a bare environment: a Ctrl-C meant for the service does not stop the database under a
 * draining service, and none of Patchbay's settings (its master key) reach the server's processes.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { dataDir, logger } = options;
  // pg_ctl hands the paths to a shell inside double quotes.
  if (/["$`\\\n]/.test(dataDir)) {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL cannot use a data folder whose path holds a quote, $, backquote, backslash or newline (${JSON.stringify(dataDir)}): set PATCHBAY_DATA_DIR to another folder`,
    );
  }
  const folder = join(dataDir, "postgres");
  await refusePgliteFolder(dataDir, folder);
  const [binaries, user] = await Promise.all([postgresBinaries(), serverUser()]);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // As root the server runs as another account, which must be able to reach its cluster.
  if (user !== undefined) await chmod(dataDir, 0o711);
  const cluster: Cluster = { dataDir, folder, binaries, user, logger };
  const leases = serverLeases(dataDir);
  const { url, lease } = await withServerLock(dataDir, async () => {
    const password = await ensureCluster(cluster);
    let port = await runningPort(folder);
    const started = port === undefined;
    if (port === undefined) {
      port = await startServer(cluster);
      logger.info({ port }, "embedded PostgreSQL started");
    } else {
      logger.debug({ port }, "embedded PostgreSQL already running: attached");
    }
    try {
      await ensureDatabase(port, password);
    } catch (error) {
      if (started && (await leases.live()) === 0) await stopServer(cluster).catch(() => undefined);
      throw error;
    }
    return { url: connectionUrl(ROLE, password, port, DATABASE), lease: await leases.take() };
  });
  let released: Promise<void> | undefined;
  return {
    url,
    release() {
      released ??= withServerLock(dataDir, async () => {
        if ((await leases.drop(lease)) > 0) return;
        await stopServer(cluster);
        logger.info("embedded PostgreSQL stopped");
      });
      return released;
    },
  };
}

/** A `./.patchbay` from a version that embedded PGlite holds `pgdata/`, which this server cannot open. */
async function refusePgliteFolder(dataDir: string, folder: string): Promise<void> {
  const pglite = join(dataDir, "pgdata");
  if ((await exists(pglite)) && !(await exists(join(folder, "PG_VERSION")))) {
    throw new EmbeddedPostgresError(
      `${pglite} holds the embedded database of an earlier Patchbay (PGlite), which this version does not open: move it aside to start afresh with the same master key (mv ${pglite} ${pglite}.old), or set DATABASE_URL to a PostgreSQL server`,
    );
  }
}

/**
 * Runs `initdb` once (first start); resolves to the password. The cluster is made in a folder of its own
 * and renamed into place only when complete, so a start that dies halfway leaves nothing that looks like
 * a cluster (its leftover is removed by the next start, which holds the lock).
 */
async function ensureCluster(cluster: Cluster): Promise<string> {
  const { dataDir, folder, binaries, user, logger } = cluster;
  const passwordFile = join(dataDir, "postgres.password");
  if (await exists(join(folder, "PG_VERSION"))) {
    const password = (await readFile(passwordFile, "utf8").catch(() => "")).trim();
    if (password === "") {
      throw new EmbeddedPostgresError(
        `${passwordFile} is missing: the embedded database in ${folder} cannot be opened without it (restore it, or remove ${folder} to start afresh)`,
      );
    }
    return password;
  }
  for (const name of await readdir(dataDir)) {
    if (name.startsWith("postgres.init-")) await rm(join(dataDir, name), { recursive: true, force: true });
  }
  logger.info({ dataDir }, "creating the embedded PostgreSQL database (first start only, a few seconds)");
  const password = randomBytes(24).toString("base64url");
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  const building = await mkdtemp(join(dataDir, "postgres.init-"));
  const target = join(building, "postgres");
  // initdb reads the password from a file only the server's account can read, removed right after.
  const pwfile = join(building, "password");
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  try {
    await mkdir(target, { mode: 0o700 });
    if (user !== undefined) {
      for (const path of [building, target, pwfile]) await chown(path, user.uid, user.gid);
      await checkReachable(target, user);
    }
    await run(
      binaries.initdb,
      [
        `--pgdata=${target}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${pwfile}`,
        "--auth=scram-sha-256",
        "--encoding=UTF8",
        "--no-locale",
        "--no-instructions",
        // Loopback TCP only; no Unix socket (its folder would need to be writable by the server).
        "--set=listen_addresses=127.0.0.1",
        "--set=unix_socket_directories=",
      ],
      spawnAs(user),
    ).catch((error: { stderr?: string }) => {
      throw new EmbeddedPostgresError(`initdb failed: ${lastLine(error.stderr)}`);
    });
    await rm(pwfile, { force: true });
    // What an earlier version left there without PG_VERSION is no cluster.
    await rm(folder, { recursive: true, force: true });
    await rename(target, folder);
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  return password;
}

/** Fails with a clear line when the server's account cannot reach the cluster folder. */
async function checkReachable(folder: string, user: ServerUser): Promise<void> {
  try {
    await run("test", ["-w", folder], spawnAs(user));
  } catch {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL runs as the OS account 'postgres' (it refuses to run as root), which cannot reach ${folder}: make its parent folders traversable (chmod o+x) or set PATCHBAY_DATA_DIR to a folder it can reach`,
    );
  }
}

/**
 * The port of the server that `postmaster.pid` says is running, when its process is a live PostgreSQL.
 * A file left by a server that died (a crash, a reboot: its pid may since belong to another program)
 * is removed, so the start that follows does not trip over it.
 */
async function runningPort(folder: string): Promise<number | undefined> {
  const file = join(folder, "postmaster.pid");
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const lines = text.split("\n");
  const pid = Number.parseInt(lines[0] ?? "", 10);
  const port = Number.parseInt(lines[3] ?? "", 10);
  if (Number.isInteger(pid) && Number.isInteger(port) && (await isServerOf(pid, folder))) return port;
  await rm(file, { force: true });
  return undefined;
}

/** Whether `pid` is the server of this cluster (started by pg_ctl as `postgres -D <folder> -p <port>`). */
async function isServerOf(pid: number, folder: string): Promise<boolean> {
  if (!isAlive(pid)) return false;
  const command = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => undefined);
  // Without /proc (macOS) a live pid is all there is to go on.
  if (command === undefined) return true;
  const args = command.split("\0");
  return args[0]?.endsWith("postgres") === true && args[args.indexOf("-D") + 1] === folder;
}

/** Starts the server at its kept port, or a free one when that is taken; resolves to the port. */
async function startServer(cluster: Cluster): Promise<number> {
  const { dataDir, folder, binaries, user } = cluster;
  const log = join(folder, "server.log");
  const portFile = join(dataDir, "postgres.port");
  const kept = Number.parseInt(await readFile(portFile, "utf8").catch(() => ""), 10);
  let lastError = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = attempt === 0 && Number.isInteger(kept) && (await isFree(kept)) ? kept : await freePort();
    const logged = await stat(log).then(
      (s) => s.size,
      () => 0,
    );
    const code = await new Promise<number | null>((resolve, reject) => {
      // Its own session (detached): the server outlives this process and is spared its terminal's signals.
      const child = spawn(
        binaries.pg_ctl,
        ["start", "-D", folder, "-l", log, "-w", "-t", "120", "-o", `-p ${port}`],
        {
          ...spawnAs(user),
          detached: true,
          stdio: "ignore",
        },
      );
      child.once("error", reject);
      child.once("exit", resolve);
    });
    if (code === 0) {
      await writeFile(portFile, `${port}\n`, { mode: 0o600 });
      return port;
    }
    const added = (await readFile(log).catch(() => Buffer.alloc(0))).subarray(logged).toString("utf8");
    lastError = firstError(added);
    if (!/could not bind|could not create any TCP\/IP sockets|address already in use/i.test(added)) break;
  }
  throw new EmbeddedPostgresError(`the embedded PostgreSQL did not start: ${lastError} (see ${log})`);
}

async function stopServer(cluster: Cluster): Promise<void> {
  await run(
    cluster.binaries.pg_ctl,
    ["stop", "-D", cluster.folder, "-m", "fast", "-w", "-t", "60"],
    spawnAs(cluster.user),
  );
}

/** Creates Patchbay's role and database when missing (first start), as the superuser. */
async function ensureDatabase(port: number, password: string): Promise<void> {
  const client = new pg.Client({ connectionString: connectionUrl(SUPERUSER, password, port, "postgres") });
  client.on("error", () => undefined);
  await client.connect();
  try {
    const role = await client.query("select 1 from pg_roles where rolname = $1", [ROLE]);
    if (role.rowCount === 0) {
      // The password is base64url: nothing in it needs quoting.
      await client.query(`create role ${ROLE} login password '${password}'`);
    }
    const found = await client.query("select 1 from pg_database where datname = $1", [DATABASE]);
    if (found.rowCount === 0) await client.query(`create database ${DATABASE} owner ${ROLE}`);
  } finally {
    await client.end();
  }
}

function connectionUrl(role: string, password: string, port: number, database: string): string {
  return `postgresql://${role}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/**
 * How the server's programs run: as the server's account, with a bare environment (nothing of
 * Patchbay's settings; messages in English, since a failed start is explained from the log).
 */
function spawnAs(user: ServerUser | undefined): { uid?: number; gid?: number; env: NodeJS.ProcessEnv } {
  const env = { PATH: SERVER_PATH, LANG: "C", LC_ALL: "C" };
  return user === undefined ? { env } : { uid: user.uid, gid: user.gid, env };
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The first FATAL/ERROR line of a server log excerpt, else its last line. */
function firstError(text: string): string {
  const lines = text.trim().split("\n");
  return (lines.find((line) => /FATAL|ERROR|PANIC/.test(line)) ?? lines.at(-1) ?? "").slice(0, 300);
}

function lastLine(text: string | undefined): string {
  const lines = (text ?? "").trim().split("\n");
  return (lines.at(-1) ?? "").slice(0, 300);
}
