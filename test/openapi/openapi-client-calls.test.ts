import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import { createPatchbayClient } from "./patchbay-client.ts";

// The client is generated from gen/openapi.json (patchbay-api.d.ts is checked against it by
// openapi-client.test.ts), so these calls compile only if the document describes them, and pass only if
// the running server answers as the document says.
describe("the generated REST client against a running Patchbay", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql");
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("reads: lists the catalog and gets one connector", async () => {
    const client = createPatchbayClient(t.url, t.adminKey);
    const list = await client.GET("/api/v1/connectors", { params: { query: { pageSize: 10 } } });
    expect(list.response.status).toBe(200);
    expect(list.data?.connectors?.map((c) => c.slug)).toEqual(expect.arrayContaining(["delay", "http"]));
    const one = await client.GET("/api/v1/connectors/{slug}", { params: { path: { slug: "http" } } });
    expect(one.data?.connector?.authType).toBe("none");
    const missing = await client.GET("/api/v1/connectors/{slug}", { params: { path: { slug: "nope" } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.code).toBe("not_found");
    expect(missing.response.headers.get("x-patchbay-error")).toBe(missing.error?.message);
  });

  it("writes: creates a connector instance and reads it back", async () => {
    const client = createPatchbayClient(t.url, t.adminKey);
    const created = await client.POST("/api/v1/connectors", {
      body: { name: "acme-delay", type: "delay", executionModel: "built_in", description: "A second delay." },
    });
    expect(created.response.status).toBe(200);
    expect(created.data?.connector?.slug).toBe("acme-delay");
    expect(created.data?.connector?.type).toBe("delay");
    const read = await client.GET("/api/v1/connectors/{slug}", { params: { path: { slug: "acme-delay" } } });
    expect(read.data?.connector?.description).toBe("A second delay.");
    const again = await client.POST("/api/v1/connectors", {
      body: { name: "acme-delay", type: "delay", executionModel: "built_in" },
    });
    expect(again.response.status).toBe(409);
    expect(again.error?.code).toBe("already_exists");
  });

  it("rejects a body field the schema does not have (additionalProperties: false)", async () => {
    const res = await fetch(`${t.url}/api/v1/connectors`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "acme-crm", colour: "red" }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("invalid_argument");
  });

  it("is refused with a wrong key, with the documented 401 error body", async () => {
    const client = createPatchbayClient(t.url, "pb_not_a_key");
    const list = await client.GET("/api/v1/connectors");
    expect(list.response.status).toBe(401);
    expect(list.error?.code).toBe("unauthenticated");
  });
});
