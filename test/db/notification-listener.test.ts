import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ChannelHandlers,
  createNotificationListener,
  type Database,
  listenerConnectedSql,
  openDatabase,
} from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

/** Handlers that write down what they were told, in order. */
function recorder(): ChannelHandlers & { said: string[] } {
  const said: string[] = [];
  return {
    said,
    notified: (payload) => said.push(`notified ${payload}`),
    listening: () => said.push("listening"),
    deaf: () => said.push("deaf"),
  };
}

describe("createNotificationListener on PostgreSQL", () => {
  let pgdb: TestDatabase;
  let dataDir: string;
  let db: Database;
  let other: pg.Client;
  const logger = createLogger({ level: "silent", format: "json" });
  const notify = (channel: string, payload: string) =>
    other.query("select pg_notify($1, $2)", [channel, payload]);
  /** Backends of the listener's connections on the test database. */
  const listeners = async (): Promise<number[]> => {
    const { rows } = await pgdb.admin(
      `select pid from pg_stat_activity where datname = '${pgdb.name}' and application_name = 'patchbay-listen'`,
    );
    return rows.map((row: { pid: number }) => row.pid);
  };

  beforeAll(async () => {
    pgdb = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-notify-"));
    db = await openDatabase({ databaseUrl: pgdb.url, dataDir, poolMax: 4, logger, entities: ENTITIES });
    other = new pg.Client({ connectionString: pgdb.url });
    await other.connect();
  });
  afterAll(async () => {
    await other?.end();
    await db?.close();
    await pgdb?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("hears every channel on one connection, deaf until it listens", async () => {
    const listener = createNotificationListener({ db, logger });
    const first = recorder();
    const second = recorder();
    const stopFirst = await listener.listen("patchbay_test_first", first);
    const stopSecond = await listener.listen("patchbay_test_second", second);
    expect(first.said).toEqual(["deaf", "listening"]);
    expect(second.said).toEqual(["deaf", "listening"]);
    expect(await listeners()).toHaveLength(1);

    await notify("patchbay_test_first", "a");
    await notify("patchbay_test_second", "b");
    await notify("patchbay_test_unheard", "c");
    await expect.poll(() => second.said.at(-1)).toBe("notified b");
    expect(first.said).toEqual(["deaf", "listening", "notified a"]);

    await stopFirst();
    await notify("patchbay_test_first", "after");
    await notify("patchbay_test_second", "still");
    await expect.poll(() => second.said.at(-1)).toBe("notified still");
    expect(first.said.at(-1)).toBe("deaf");
    await stopSecond();
    // The last channel gone, the connection goes back to the pool.
    await expect.poll(listeners).toEqual([]);
    await listener.close();
  });

  it("goes deaf when its connection dies and listens again on a new one", async () => {
    const listener = createNotificationListener({ db, logger });
    const handlers = recorder();
    await listener.listen("patchbay_test_lost", handlers);
    const [pid] = await listeners();
    await pgdb.admin(`select pg_terminate_backend(${pid})`);
    await expect.poll(() => handlers.said.slice(2)).toEqual(["deaf", "listening"]);
    const again = await listeners();
    expect(again).toHaveLength(1);
    expect(again[0]).not.toBe(pid);
    await notify("patchbay_test_lost", "heard again");
    await expect.poll(() => handlers.said.at(-1)).toBe("notified heard again");
    await listener.close();
    expect(handlers.said.at(-1)).toBe("deaf");
    await expect.poll(listeners).toEqual([]);
  });

  it("names its connection after its owner, whatever the URL names, so others see it listen until it ends", async () => {
    const url = new URL(pgdb.url);
    url.searchParams.set("application_name", "someone-else");
    const named = createNotificationListener({
      db: { url: url.toString() },
      logger,
      owner: "0123abcd",
    });
    const connected = async (owner: string) =>
      (await other.query(`select ${listenerConnectedSql("$1")} as connected`, [owner])).rows[0]?.connected;
    expect(await connected("0123abcd")).toBe(false);
    await named.listen("patchbay_test_owned", recorder());
    expect(await connected("0123abcd")).toBe(true);
    expect(await connected("0123abc")).toBe(false);
    await named.close();
    await expect.poll(() => connected("0123abcd")).toBe(false);
    // A listener of the release before owners (named without one) could be anyone's: every owner counts.
    const unowned = new pg.Client({ connectionString: pgdb.url, application_name: "patchbay-listen" });
    await unowned.connect();
    try {
      expect(await connected("0123abcd")).toBe(true);
    } finally {
      await unowned.end();
    }
    await expect.poll(() => connected("0123abcd")).toBe(false);
    expect(() => createNotificationListener({ db, logger, owner: "Not plain" })).toThrow(/owner/);
  });

  it("refuses a channel name it would have to quote, and a channel heard twice", async () => {
    const listener = createNotificationListener({ db, logger });
    await expect(listener.listen("x; drop table y", recorder())).rejects.toThrow(/not a plain channel/);
    await listener.listen("patchbay_test_twice", recorder());
    await expect(listener.listen("patchbay_test_twice", recorder())).rejects.toThrow(/already heard/);
    await listener.close();
  });
});
