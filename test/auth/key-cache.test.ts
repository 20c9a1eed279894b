import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { createApiKeyStore } from "../../src/auth/index.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The server caches verified keys so that a busy key costs no query per call; these tests hold it to
// "a revocation works at once" across processes (NOTIFY on PostgreSQL).
describe("the verified-key cache on postgresql", () => {
  let t: TestServer;
  const client = () => createClient(CatalogService, createGrpcTransport({ baseUrl: t.url }));
  const list = (key: string) => client().listConnectors({}, { headers: { authorization: `Bearer ${key}` } });

  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("serves a verified key from the cache (a row change without a revocation is not seen at once)", async () => {
    const key = await t.createKey(["catalog:read"]);
    await list(key);
    await t.server.db
      .em()
      .getConnection()
      .execute("update api_keys set revoked_at = now() where prefix = ?", [key.slice(0, 12)]);
    await expect(list(key)).resolves.toBeDefined();
  });

  it("refuses a key revoked by another process at once (another store on the same database)", async () => {
    const key = await t.createKey(["catalog:read"]);
    await list(key);
    const elsewhere = createApiKeyStore(
      () => t.server.db.em(),
      () => new Date(),
    );
    await elsewhere.revoke(key.slice(0, 12));
    // NOTIFY is delivered asynchronously; it arrives within milliseconds.
    await expect
      .poll(
        () =>
          list(key).then(
            () => "accepted",
            (e: { code: Code }) => e.code,
          ),
        { timeout: 2_000, interval: 20 },
      )
      .toBe(Code.Unauthenticated);
  });
});
