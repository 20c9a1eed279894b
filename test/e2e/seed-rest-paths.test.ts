import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The endpoint table of seed 001 ("Connectors" REST API), verbatim but for `:param` spelling.
const SEED_001 = [
  ["GET", "/api/v1/connectors"],
  ["GET", "/api/v1/connections"],
  ["POST", "/api/v1/connections"],
  ["GET", "/api/v1/connections/:id"],
  ["DELETE", "/api/v1/connections/:id"],
  ["POST", "/api/v1/connections/:id/credentials"],
  ["GET", "/api/v1/connections/:id/oauth"],
  ["POST", "/api/v1/connections/:id/oauth"],
  ["GET", "/api/v1/connections/oauth/start"],
  ["GET", "/api/v1/connections/oauth/callback"],
  ["POST", "/api/v1/connectors/webhooks/:provider/:endpointId"],
] as const;

/** `/a/:x/b` and `/a/{x_y}/b` both become `/a/{}/b`. */
const shape = (path: string) => path.replace(/:[A-Za-z]+|\{[^}]+\}/g, "{}");

describe("the REST paths of seed 001", () => {
  let t: TestServer;
  let documented: Set<string>;

  beforeAll(async () => {
    t = await startTestServer("postgresql");
    const doc = JSON.parse(await readFile(new URL("../../gen/openapi.json", import.meta.url), "utf8")) as {
      paths: Record<string, Record<string, unknown>>;
    };
    documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${shape(path)}`),
      ),
    );
  });
  afterAll(async () => {
    await t?.stop();
  });

  it.each(SEED_001)("%s %s is in the OpenAPI document", (method, path) => {
    expect(documented.has(`${method} ${shape(path)}`)).toBe(true);
  });

  it.each(SEED_001)("%s %s is routed by the bridge", async (method, path) => {
    const concrete = path
      .replace(":id", "0b0e2f43-7c4f-4d7e-9a59-8f7f0d0b6c11")
      .replace(":provider", "telegram")
      .replace(":endpointId", "0b0e2f43-7c4f-4d7e-9a59-8f7f0d0b6c12");
    const res = await fetch(`${t.url}${concrete}`, {
      method,
      headers: {
        authorization: `Bearer ${t.adminKey}`,
        ...(method === "POST" ? { "content-type": "application/json" } : {}),
      },
      ...(method === "POST" ? { body: "{}" } : {}),
    });
    // The OAuth callback answers an HTML page; everything else JSON.
    const type = res.headers.get("content-type") ?? "";
    const body = (type.includes("json") ? await res.json() : { message: await res.text() }) as {
      code?: string;
      message?: string;
    };
    // Routed means the bridge found the RPC: whatever the handler answers, it is not a routing error.
    expect(body.message).not.toBe("no REST route for this path");
    expect(res.status).not.toBe(405);
  });
});
