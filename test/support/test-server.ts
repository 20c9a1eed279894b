import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateApiKey } from "../../src/auth/index.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { type RunningServer, startServer } from "../../src/server/start-server.ts";
import { LogCapture } from "./log-capture.ts";
import { createTestDatabase, type TestDatabase } from "./postgres.ts";

/**
 * The two set-ups of the one engine every end-to-end suite runs against: the embedded default (a private
 * PostgreSQL server the service starts in its data folder) and a PostgreSQL server given by DATABASE_URL.
 */
export const BACKENDS = ["embedded", "postgresql"] as const;
export type Backend = (typeof BACKENDS)[number];

/** A real Patchbay on 127.0.0.1 and a free port, with its logs captured. */
export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly adminKey: string;
  readonly logs: LogCapture;
  readonly server: RunningServer;
  /** The PostgreSQL database, for the postgresql back end. */
  readonly database: TestDatabase | undefined;
  /** The settings it started with; another replica on the same database starts with the same. */
  readonly env: Record<string, string>;
  /** Creates an API key with these scopes (subject "tester", tenant "default" unless given) and returns the plaintext. */
  createKey(scopes: string[], subject?: string, tenantId?: string): Promise<string>;
  /** Revokes a key by its plaintext. */
  revokeKey(key: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a server on the given back end with an empty database (and a fresh data folder). */
export async function startTestServer(
  backend: Backend,
  env: Record<string, string> = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "patchbay-test-"));
  const database = backend === "postgresql" ? await createTestDatabase() : undefined;
  const adminKey = generateApiKey();
  const settings: Record<string, string> = {
    PATCHBAY_PORT: "0",
    PATCHBAY_HOST: "127.0.0.1",
    PATCHBAY_DATA_DIR: dataDir,
    PATCHBAY_ADMIN_KEY: adminKey,
    PATCHBAY_SHUTDOWN_TIMEOUT_MS: "2000",
    // No load balancer watches a test server: stop without waiting for one to notice.
    PATCHBAY_DRAIN_DELAY_MS: "0",
    LOG_LEVEL: "debug",
    LOG_FORMAT: "json",
    // The fake upstream APIs tests run live on loopback, which the egress policy refuses by default;
    // a test of the refusal itself passes PATCHBAY_EGRESS_ALLOW: "".
    PATCHBAY_EGRESS_ALLOW: "127.0.0.1/32",
    // Load shedding reads the event loop's delay, which a loaded test machine stretches on its own: a
    // test of shedding turns it on with its own thresholds.
    PATCHBAY_SHED_EVENT_LOOP_DELAY_MS: "0",
    PATCHBAY_SHED_DB_WAITING: "0",
    ...(database
      ? { DATABASE_URL: database.url, PATCHBAY_MASTER_KEY: randomBytes(32).toString("base64") }
      : {}),
    ...env,
  };
  const config = loadConfig(settings, false);
  const logs = new LogCapture();
  const logger = createLogger({ level: config.logLevel, format: "json", destination: logs.stream });
  const server = await startServer(config, { logger, notice: (text) => logs.chunks.push(`NOTICE ${text}`) });
  const keys = server.keys;
  return {
    url: server.url,
    port: server.port,
    adminKey,
    logs,
    server,
    database,
    env: settings,
    async createKey(scopes, subject = "tester", tenantId = "default") {
      return (await keys.create({ tenantId, subject, name: "test", scopes })).key;
    },
    async revokeKey(key) {
      await keys.revoke(key.slice(0, 12));
    },
    async stop() {
      await server.stop();
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
