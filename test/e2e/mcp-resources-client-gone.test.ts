import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCRIPT_API_URI } from "../../src/mcp/register-resources.ts";
import { postMcp } from "../support/mcp-wire.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// An MCP resource read ends when its client goes away, as a tool call does: the catalog read it waits
// for is cancelled in PostgreSQL, the key's one in-flight place is free again and the request's log line
// says `canceled`, all while the read could still not have finished (the connectors table stays locked).

describe("an MCP resource read whose client goes away", () => {
  let t: TestServer;
  let db: pg.Client;

  beforeAll(async () => {
    t = await startTestServer("postgresql", {
      // One call in flight per key: a read left running would hold its key's only place.
      PATCHBAY_CONCURRENCY_LIMITS: "standard=1",
      // Far longer than any test: only the client going away can end the locked-out read.
      PATCHBAY_DB_STATEMENT_TIMEOUT_MS: "600000",
    });
    db = new pg.Client({ connectionString: t.database?.url });
    await db.connect();
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await t?.stop();
  });

  /** The server's statements that wait for the lock this test holds on the connectors table. */
  const waitingReads = async () => {
    const { rows } = await db.query<{ n: number }>(
      `select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
        where c.relname = 'connectors' and not l.granted`,
    );
    return rows[0]?.n ?? 0;
  };

  /** The code of the request's log line, once it is written. */
  const loggedCode = (reqId: string, procedure: string) =>
    t.logs.lines().find((l) => l.reqId === reqId && l.procedure === procedure)?.code;

  /** Whether the key's next MCP request is let in: one that reads nothing of the locked table. */
  const admitted = async (key: string) =>
    (
      await postMcp(
        t.url,
        key,
        JSON.stringify({ jsonrpc: "2.0", id: 2, method: "resources/read", params: { uri: SCRIPT_API_URI } }),
      )
    ).status;

  it.each([
    [
      "resources/read",
      (client: Client) => client.readResource({ uri: "patchbay://connectors/echo/capabilities" }),
    ],
    ["resources/list", (client: Client) => client.listResources()],
  ] as const)(
    "ends a %s whose SDK client closes its transport",
    async (method, read) => {
      const subject = `gone-${method.replace("/", "-")}`;
      const reqId = `gone-${method.replace("/", "-")}`;
      const key = await t.createKey(["mcp", "catalog:read"], subject);
      const client = new Client({ name: "mcp-resources-client-gone", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${key}`, "x-request-id": reqId } },
        }),
      );
      await db.query("begin");
      try {
        await db.query("lock table connectors in access exclusive mode");
        const call = read(client).then(
          () => "answered",
          () => "closed",
        );
        await expect.poll(waitingReads, { timeout: 30_000 }).toBe(1);

        await client.close();
        expect(await call).toBe("closed");
        await expect.poll(waitingReads, { timeout: 30_000 }).toBe(0);
        await expect.poll(() => loggedCode(reqId, `/mcp/${method}`), { timeout: 30_000 }).toBe("canceled");
        await expect.poll(() => admitted(key), { timeout: 30_000 }).toBe(200);
      } finally {
        await db.query("rollback");
      }
    },
    180_000,
  );
});
