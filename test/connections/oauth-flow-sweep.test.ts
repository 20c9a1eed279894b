import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OAUTH_FLOW_GRACE_MS, sweepOAuthFlows } from "../../src/connections/index.ts";
import { createNativeQuery } from "../../src/db/index.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// Expired OAuth authorizations (each with a sealed PKCE code verifier) and start links are deleted once
// their grace day is over; the ones still usable, or only just expired, stay.
describe("the OAuth flow sweep", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("deletes authorizations and start links a day past their expiry, used or not, and keeps the rest", async () => {
    const query = createNativeQuery(() => t.server.db.em());
    const now = new Date("2026-12-06T12:00:00Z");
    const { rows } = await query("select id from connectors where slug = 'echo'");
    const connectorId = (rows[0] as { id: string }).id;
    const connectionId = "00000000-0000-4000-8000-0000000000c1";
    await query(
      `insert into connections (id, tenant_id, subject, connector_id, connector_slug, status, auth_type,
        created_at, updated_at) values ($1, 'sweep', 's', $2, 'echo', 'pending', 'oauth2', $3, $3)`,
      [connectionId, connectorId, now.toISOString()],
    );
    const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
    // Expiry relative to now: still valid, just expired, expired past the grace (unused and used).
    const expiries = [60_000, -60_000, -OAUTH_FLOW_GRACE_MS - 60_000, -OAUTH_FLOW_GRACE_MS - 120_000];
    for (const [i, offset] of expiries.entries()) {
      const usedAt = i === 3 ? at(offset - 1000) : null;
      await query(
        `insert into oauth_states (id, state_hash, connection_id, sealed_code_verifier, expires_at, used_at,
          created_at) values ($1, $2, $3, 'sealed', $4, $5, $6)`,
        [
          `00000000-0000-4000-8000-00000000005${i}`,
          `hash-${i}`,
          connectionId,
          at(offset),
          usedAt,
          at(offset - 600_000),
        ],
      );
      await query(
        `insert into oauth_links (id, connection_id, expires_at, used_at, created_at)
          values ($1, $2, $3, $4, $5)`,
        [`00000000-0000-4000-8000-00000000006${i}`, connectionId, at(offset), usedAt, at(offset - 600_000)],
      );
    }
    expect(await sweepOAuthFlows(query, now)).toBe(4);
    const kept = async (table: string) =>
      (await query(`select id from ${table} where connection_id = $1 order by id`, [connectionId])).rows.map(
        (r) => (r as { id: string }).id,
      );
    expect(await kept("oauth_states")).toEqual([
      "00000000-0000-4000-8000-000000000050",
      "00000000-0000-4000-8000-000000000051",
    ]);
    expect(await kept("oauth_links")).toEqual([
      "00000000-0000-4000-8000-000000000060",
      "00000000-0000-4000-8000-000000000061",
    ]);
    expect(await sweepOAuthFlows(query, now)).toBe(0);
  });
});
