import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../", import.meta.url));

/** Runs `patchbay <args>` on the server's settings (its data folder, so its embedded server). */
async function patchbay(t: TestServer, args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ["bin/patchbay.js", ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", ...t.env, LOG_LEVEL: "warn" },
    timeout: 120_000,
  });
  return stdout;
}

async function listConnectors(t: TestServer, key: string): Promise<number> {
  const response = await fetch(`${t.url}/patchbay.v1.CatalogService/ListConnectors`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: "{}",
  });
  await response.arrayBuffer();
  return response.status;
}

describe("the CLI beside a running service on the embedded default", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer("embedded");
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("creates a key the running service accepts at once, and revokes it without a restart", async () => {
    const created = JSON.parse(
      await patchbay(t, ["keys", "create", "--subject", "cli-user", "--scope", "catalog:read", "--json"]),
    ) as { key: string; prefix: string };
    expect(await listConnectors(t, created.key)).toBe(200);

    await patchbay(t, ["keys", "revoke", created.prefix]);
    // The revocation reaches the service through the database's NOTIFY, as it would from any replica.
    await expect.poll(() => listConnectors(t, created.key)).toBe(401);
    // The service still serves everyone else.
    expect(await listConnectors(t, t.adminKey)).toBe(200);
  });
});
