import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNativeQuery, type Database, type NativeQuery, openDatabase } from "../../src/db/index.ts";
import { ENTITIES } from "../../src/entities.ts";
import { createLogger } from "../../src/logging/logger.ts";
import {
  createPageTokens,
  type KeysetSql,
  keysetPage,
  keysetSql,
  type SortDirection,
} from "../../src/paging/index.ts";
import { LogCapture } from "../support/log-capture.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

const tokens = createPageTokens(Buffer.alloc(32, 3));

// Four rows share one microsecond (as the jobs of one group commit share now()); the others sit in
// the same millisecond, a few microseconds apart, on either side of it.
const ROWS: [at: string, id: string][] = [
  ["2026-12-05 07:00:00.123456+00", "00000000-0000-4000-8000-000000000001"],
  ["2026-12-05 07:00:00.123456+00", "00000000-0000-4000-8000-000000000002"],
  ["2026-12-05 07:00:00.123456+00", "00000000-0000-4000-8000-000000000003"],
  ["2026-12-05 07:00:00.123456+00", "00000000-0000-4000-8000-000000000004"],
  ["2026-12-05 07:00:00.123001+00", "00000000-0000-4000-8000-000000000005"],
  ["2026-12-05 07:00:00.123999+00", "00000000-0000-4000-8000-000000000006"],
  ["2026-12-05 07:00:00.124501+00", "00000000-0000-4000-8000-000000000007"],
  ["2026-12-05 07:00:00.122000+00", "00000000-0000-4000-8000-000000000008"],
];

describe("keysetSql", () => {
  let db: Database;
  let pg: TestDatabase | undefined;
  let dataDir: string;
  let query: NativeQuery;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "patchbay-keyset-"));
    pg = await createTestDatabase();
    const logger = createLogger({ level: "info", format: "json", destination: new LogCapture().stream });
    db = await openDatabase({ databaseUrl: pg?.url, dataDir, poolMax: 2, logger, entities: ENTITIES });
    query = createNativeQuery(() => db.em());
    await query("create table keyset_t (at timestamptz not null, id uuid not null)");
    for (const [at, id] of ROWS) await query("insert into keyset_t (at, id) values ($1, $2)", [at, id]);
  });
  afterAll(async () => {
    await db?.close();
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The page of `pageToken` over keyset_t's columns. */
  function pagerOf(
    pageToken: string,
    pageSize: number,
    filter: unknown = {},
    direction: SortDirection = "desc",
  ) {
    const page = keysetPage(tokens, { scope: "keyset-test", filter, pageToken, pageSize, direction });
    const sql: KeysetSql = keysetSql(page, { at: "t.at", id: "t.id" });
    return { page, sql };
  }

  /** Every id, page by page with `pageSize`, and the number of pages. */
  async function pageThrough(
    pageSize: number,
    filter: unknown = {},
    direction: SortDirection = "desc",
  ): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let token = "";
    let pages = 0;
    do {
      const pager = pagerOf(token, pageSize, filter, direction);
      const values: unknown[] = [];
      const { rows } = await query(
        `select t.id, ${pager.sql.select} from keyset_t t where true ${pager.sql.after(values)}
          ${pager.sql.orderBy} ${pager.sql.limit(values)}`,
        values,
      );
      const { page, next } = pager.page.finish(rows as Record<string, unknown>[], pager.sql.cursorOf);
      ids.push(...page.map((row) => String(row.id)));
      token = next;
      pages += 1;
    } while (token !== "" && pages <= ROWS.length);
    return { ids, pages };
  }

  const newestFirst = [...ROWS]
    .sort(([atA, idA], [atB, idB]) => (atA === atB ? idB.localeCompare(idA) : atB.localeCompare(atA)))
    .map(([, id]) => id);

  it.each([1, 2, 3, 8])(
    "pages through rows that share a microsecond or a millisecond (page size %i)",
    async (size) => {
      const { ids, pages } = await pageThrough(size);
      expect(ids).toEqual(newestFirst);
      // One more row is read than shown, so no empty last page is needed to find the end.
      expect(pages).toBe(Math.ceil(ROWS.length / size));
    },
  );

  // Issue 19 item 13: lists can run oldest first with the same helpers.
  it.each([1, 3, 8])("pages oldest first through the same rows (page size %i)", async (size) => {
    const { ids, pages } = await pageThrough(size, {}, "asc");
    expect(ids).toEqual([...newestFirst].reverse());
    expect(pages).toBe(Math.ceil(ROWS.length / size));
  });

  it("keeps the time to the microsecond in the token", async () => {
    const pager = pagerOf("", 1);
    const values: unknown[] = [];
    const { rows } = await query(
      `select t.id, ${pager.sql.select} from keyset_t t order by t.at desc, t.id desc ${pager.sql.limit(values)}`,
      values,
    );
    const { next } = pager.page.finish(rows as Record<string, unknown>[], pager.sql.cursorOf);
    expect(tokens.decode("keyset-test", {}, next).at).toMatch(/\.124501\+00$/);
  });
});
