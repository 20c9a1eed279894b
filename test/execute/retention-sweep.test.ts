import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNativeQuery } from "../../src/db/index.ts";
import { sweepExecutions } from "../../src/execute/index.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

describe.each(BACKENDS)("the execution retention sweep on %s", (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("deletes records older than the retention and keeps the rest", async () => {
    const query = createNativeQuery(() => t.server.db.em());
    const now = new Date("2026-11-23T12:00:00Z");
    const day = 24 * 60 * 60 * 1000;
    const ages = [0.5, 6.9, 7.1, 40];
    for (const [i, age] of ages.entries()) {
      await query(
        `insert into executions (id, tenant_id, key_id, connector_slug, connector_version, command, status,
          duration_ms, created_at) values ($1, 'sweep', 'k', 'echo', '1.0.0', 'echo', 'succeeded', 1, $2)`,
        [`00000000-0000-4000-8000-00000000000${i}`, new Date(now.getTime() - age * day).toISOString()],
      );
    }
    expect(await sweepExecutions(query, 7, now)).toBe(2);
    const { rows } = await query(
      "select id from executions where tenant_id = 'sweep' order by created_at desc",
    );
    expect(rows.map((r) => (r as { id: string }).id)).toEqual([
      "00000000-0000-4000-8000-000000000000",
      "00000000-0000-4000-8000-000000000001",
    ]);
    expect(await sweepExecutions(query, 7, now)).toBe(0);
  });
});
