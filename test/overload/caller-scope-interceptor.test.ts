import { mkdtemp, rm } from "node:fs/promises";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { type Database, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger, type Logger } from "../../src/logging/logger.ts";
import { createCallerScopeInterceptor } from "../../src/overload/index.ts";
import { LogCapture } from "../support/log-capture.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

/**
 * A real h2c server: `ListConnectors` reads `blocker` and answers when the read does; `GetConnector`
 * answers at once and leaves a read of `blocker` running behind it (as a cache fill or a shared batch
 * would), kept in `behind`.
 */
async function serve(db: Database, logger: Logger) {
  const behind: Promise<unknown>[] = [];
  const handler = connectNodeAdapter({
    routes: (router) => {
      router.service(CatalogService, {
        listConnectors: async () => {
          await db.em().getConnection().execute("select * from blocker");
          return {};
        },
        getConnector: () => {
          const read = db.em().getConnection().execute("select count(*) as n from blocker");
          read.catch(() => undefined);
          behind.push(read);
          return {};
        },
      });
    },
    interceptors: [createCallerScopeInterceptor({ db, logger })],
  });
  const server = http2.createServer(handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = createClient(
    CatalogService,
    createGrpcTransport({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
  );
  return {
    client,
    behind,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("the caller scope interceptor (PostgreSQL)", () => {
  let pgdb: TestDatabase;
  let dataDir: string;
  let holder: pg.Client;
  const logs = new LogCapture();
  const logger = createLogger({ level: "debug", format: "json", destination: logs.stream });
  const open = (statementTimeoutMs?: number) =>
    openDatabase({
      databaseUrl: pgdb.url,
      dataDir,
      poolMax: 2,
      logger,
      statementTimeoutMs,
      entities: ENTITIES,
    });

  const onBlocker = async (): Promise<string[]> => {
    const { rows } = await pgdb.admin(
      `select query from pg_stat_activity where datname = '${pgdb.name}' and application_name = 'patchbay' and state = 'active' and query like '%blocker%'`,
    );
    return rows.map((r: { query: string }) => r.query);
  };

  beforeAll(async () => {
    pgdb = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-scope-"));
    const db = await open();
    await db.em().getConnection().execute("create table blocker (id int)");
    await db.close();
    holder = new pg.Client({ connectionString: pgdb.url });
    await holder.connect();
  });
  afterEach(async () => {
    await holder.query("rollback");
    await expect.poll(onBlocker).toEqual([]);
  });
  afterAll(async () => {
    await holder?.end();
    await pgdb?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const lockBlocker = async () => {
    await holder.query("begin");
    await holder.query("lock table blocker in access exclusive mode");
  };

  it("cancels the handler's statement in PostgreSQL when the client goes away", async () => {
    const db = await open();
    const server = await serve(db, logger);
    try {
      await lockBlocker();
      const leave = new AbortController();
      const call = server.client.listConnectors({}, { signal: leave.signal }).catch((e: unknown) => e);
      await expect.poll(onBlocker).toHaveLength(1);
      leave.abort();
      expect(ConnectError.from(await call).code).toBe(Code.Canceled);
      // The lock is still held: only a cancel ends the wait.
      await expect.poll(onBlocker).toEqual([]);
      expect(db.statementStats().cancelled).toBe(1);
    } finally {
      await server.close();
      await db.close();
    }
  });

  it("cancels the handler's statement when the call's deadline passes, and answers DEADLINE_EXCEEDED", async () => {
    const db = await open();
    const server = await serve(db, logger);
    try {
      await lockBlocker();
      const error = ConnectError.from(
        await server.client.listConnectors({}, { timeoutMs: 500 }).catch((e: unknown) => e),
      );
      expect(error.code).toBe(Code.DeadlineExceeded);
      await expect.poll(onBlocker).toEqual([]);
      expect(db.statementStats().cancelled).toBe(1);
    } finally {
      await server.close();
      await db.close();
    }
  });

  it("does not cancel work a finished call left behind", async () => {
    const db = await open();
    const server = await serve(db, logger);
    try {
      await lockBlocker();
      await server.client.getConnector({ slug: "x" });
      await expect.poll(onBlocker).toHaveLength(1);
      // Connect aborts a call's signal when the call completes; the read behind it must live on.
      await holder.query("rollback");
      expect(await server.behind[0]).toEqual([{ n: expect.anything() }]);
      expect(db.statementStats().cancelled).toBe(0);
    } finally {
      await server.close();
      await db.close();
    }
  });

  it("answers DEADLINE_EXCEEDED, not INTERNAL, when a statement runs past the statement timeout", async () => {
    const db = await open(200);
    const server = await serve(db, logger);
    try {
      await lockBlocker();
      const error = ConnectError.from(await server.client.listConnectors({}).catch((e: unknown) => e));
      expect(error.code).toBe(Code.DeadlineExceeded);
      expect(error.rawMessage).toBe("the database did not answer in time (statement timeout)");
      const warned = logs.lines().filter((l) => l.code === "DB_STATEMENT_TIMEOUT");
      expect(warned).toHaveLength(1);
      expect(warned[0]).toMatchObject({
        level: "warn",
        procedure: "/patchbay.v1.CatalogService/ListConnectors",
      });
    } finally {
      await server.close();
      await db.close();
    }
  });
});
