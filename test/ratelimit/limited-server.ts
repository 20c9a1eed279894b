import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { principalKey } from "../../src/auth/principal.ts";
import { type Database, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger, type Logger } from "../../src/logging/logger.ts";
import { SERVER_STOPPING } from "../../src/protocol/server-stopping.ts";
import {
  createRateLimitInterceptor,
  type FailOpenStats,
  type RateLimitTiers,
} from "../../src/ratelimit/index.ts";
import { LogCapture } from "../support/log-capture.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

/** Test stand-in for the auth interceptor: `x-test-key` is the key id, `x-test-tier` its tier. */
const fakeAuth: Interceptor = (next) => async (req) => {
  const keyId = req.header.get("x-test-key");
  if (keyId !== null) {
    req.contextValues.set(principalKey, {
      keyId,
      tenantId: "default",
      subject: "tester",
      scopes: ["admin"],
      rateTier: req.header.get("x-test-tier") ?? "standard",
    });
  }
  return next(req);
};

/** A Connect server on 127.0.0.1 (h2c): CatalogService stub behind [fake auth, rate limit]. */
export interface LimitedServer {
  readonly url: string;
  /** The rate limit interceptor's fail-open record. */
  failOpen(): FailOpenStats;
  close(): Promise<void>;
}

/**
 * Serves `ListConnectors` (answers `{}`) and `GetConnector` (fails with NOT_FOUND) through the rate
 * limit interceptor built from these options.
 */
export async function startLimitedServer(options: {
  db: Database;
  tiers: RateLimitTiers | undefined;
  logger: Logger;
  storeTimeoutMs?: number;
}): Promise<LimitedServer> {
  const limit = createRateLimitInterceptor(options);
  const handler = connectNodeAdapter({
    routes: (router) => {
      router.service(CatalogService, {
        // `x-test-stopping`: fails with the one error a server stop aborts every call with (shared).
        listConnectors: (_req, ctx) => {
          if (ctx.requestHeader.has("x-test-stopping")) throw SERVER_STOPPING;
          return {};
        },
        getConnector: () => {
          throw new ConnectError("connector not found", Code.NotFound);
        },
      });
    },
    interceptors: [fakeAuth, limit],
  });
  const server = http2.createServer(handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    failOpen: limit.failOpen,
    async close() {
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What one call saw: its code (undefined on success), its message and the response headers. */
export interface Outcome {
  readonly code: Code | undefined;
  readonly message: string;
  readonly header: Headers;
}

/** Calls `ListConnectors` (or `GetConnector`, which fails) as key `key` of `tier`; never throws. */
export async function call(
  transport: Transport,
  key: string | undefined,
  tier?: string,
  method: "listConnectors" | "getConnector" = "listConnectors",
  extraHeaders: Record<string, string> = {},
): Promise<Outcome> {
  const client = createClient(CatalogService, transport);
  const headers: Record<string, string> = { ...extraHeaders };
  if (key !== undefined) headers["x-test-key"] = key;
  if (tier !== undefined) headers["x-test-tier"] = tier;
  let header = new Headers();
  const onHeader = (h: Headers) => {
    header = h;
  };
  try {
    if (method === "listConnectors") await client.listConnectors({}, { headers, onHeader });
    else await client.getConnector({ slug: "x" }, { headers, onHeader });
    return { code: undefined, message: "", header };
  } catch (error) {
    const e = ConnectError.from(error);
    return { code: e.code, message: e.rawMessage, header: e.metadata };
  }
}

/** A fresh key id, so every test starts with untouched counters. */
export const newKey = (): string => randomUUID();

/** A migrated database on one back end, its logger and captured log lines. */
export interface TestBackend {
  readonly db: Database;
  readonly logs: LogCapture;
  readonly logger: Logger;
  /** The PostgreSQL database (postgresql back end only), for opening a second replica on it. */
  readonly postgres: TestDatabase | undefined;
  /** Opens another connection pool on the same PostgreSQL database, as a second replica would. */
  openReplica(): Promise<Database>;
  close(): Promise<void>;
}

/** Opens and migrates a fresh embedded server in a new data folder, or a fresh PostgreSQL database. */
export async function openBackend(kind: "embedded" | "postgresql"): Promise<TestBackend> {
  const logs = new LogCapture();
  const logger = createLogger({ level: "debug", format: "json", destination: logs.stream });
  const dataDir = await mkdtemp(join(tmpdir(), "patchbay-ratelimit-"));
  const postgres = kind === "postgresql" ? await createTestDatabase() : undefined;
  const open = () =>
    openDatabase({ databaseUrl: postgres?.url, dataDir, poolMax: 4, logger, entities: ENTITIES });
  const db = await open();
  await db.migrate();
  const replicas: Database[] = [];
  return {
    db,
    logs,
    logger,
    postgres,
    async openReplica() {
      const replica = await open();
      replicas.push(replica);
      return replica;
    },
    async close() {
      for (const replica of replicas) await replica.close();
      await db.close();
      await postgres?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
