import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, type Resource } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCRIPT_API_REFERENCE } from "../../src/mcp/generate-connector-script.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

// MCP resources at /mcp: the script API reference and each connector's capabilities, read with the
// caller's key through the catalog's own RPCs (scope, visibility, paging), so a model can read them
// before it writes a script.

const PRIVATE_SCHEMA = {
  connectionConfig: {},
  commands: { secretThing: { description: "Only tenant-a sees this." } },
};

describe.each(BACKENDS)("MCP resources on %s", (backend) => {
  let t: TestServer;
  let readerKey = "";

  async function connect(key: string): Promise<Client> {
    const client = new Client({ name: "mcp-resources-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    return client;
  }

  async function allResources(client: Client): Promise<Resource[]> {
    const resources: Resource[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.listResources(cursor === undefined ? {} : { cursor });
      resources.push(...page.resources);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== undefined && pages < 20);
    return resources;
  }

  beforeAll(async () => {
    t = await startTestServer(backend);
    readerKey = await t.createKey(["mcp", "catalog:read"], "reader");
    const writer = await t.createKey(["catalog:write"], "owner", "tenant-a");
    const created = await fetch(`${t.url}/api/v1/connectors`, {
      method: "POST",
      headers: { authorization: `Bearer ${writer}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "tenant-a-private",
        executionModel: "script",
        configSchema: PRIVATE_SCHEMA,
        scriptSource: "function secretThing() { return { success: true, payload: {} }; }",
      }),
    });
    expect(created.status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("declares resources and lists the script API reference and each visible connector's capabilities", async () => {
    const client = await connect(readerKey);
    try {
      expect(client.getServerCapabilities()?.resources).toBeDefined();
      const resources = await allResources(client);
      const uris = resources.map((r) => r.uri);
      expect(uris[0]).toBe("patchbay://docs/script-api");
      expect(uris).toEqual(
        expect.arrayContaining([
          "patchbay://connectors/echo/capabilities",
          "patchbay://connectors/placeholder-api/capabilities",
        ]),
      );
      expect(new Set(uris).size).toBe(uris.length);
      expect(resources.find((r) => r.uri.includes("/echo/"))?.mimeType).toBe("application/json");
      // Another tenant's unpublished connector is not listed.
      expect(uris.some((uri) => uri.includes("tenant-a-private"))).toBe(false);

      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates).toEqual([
        expect.objectContaining({ uriTemplate: "patchbay://connectors/{slug}/capabilities" }),
      ]);
    } finally {
      await client.close();
    }
  });

  it("reads the script API reference: the text generate_connector_script answers", async () => {
    const client = await connect(readerKey);
    try {
      const { contents } = await client.readResource({ uri: "patchbay://docs/script-api" });
      expect(contents).toEqual([
        { uri: "patchbay://docs/script-api", mimeType: "text/markdown", text: SCRIPT_API_REFERENCE },
      ]);
    } finally {
      await client.close();
    }
  });

  it("reads a connector's capabilities as GetCapabilities answers them", async () => {
    const client = await connect(readerKey);
    try {
      const uri = "patchbay://connectors/delay/capabilities";
      const { contents } = await client.readResource({ uri });
      expect(contents).toHaveLength(1);
      const [content] = contents;
      expect(content).toMatchObject({ uri, mimeType: "application/json" });
      const read = JSON.parse(String(content && "text" in content ? content.text : "")) as unknown;
      const rest = await fetch(`${t.url}/api/v1/connectors/delay/capabilities`, {
        headers: { authorization: `Bearer ${readerKey}` },
      });
      expect(rest.status).toBe(200);
      expect(read).toMatchObject({ slug: "delay", commands: [expect.objectContaining({ name: "wait" })] });
      expect(read).toEqual(expect.objectContaining((await rest.json()) as Record<string, unknown>));
    } finally {
      await client.close();
    }
  });

  it("answers an unknown resource, and a connector that does not exist, with the SDK's not-found error", async () => {
    const client = await connect(readerKey);
    try {
      for (const uri of [
        "patchbay://nothing/here",
        "https://example.com/capabilities",
        "patchbay://connectors/no-such-connector/capabilities",
      ]) {
        await expect(client.readResource({ uri })).rejects.toMatchObject({
          code: ErrorCode.InvalidParams,
          message: expect.stringContaining(`Resource ${uri} not found`),
        });
      }
      await expect(client.listResources({ cursor: "forged" })).rejects.toMatchObject({
        code: ErrorCode.InvalidParams,
        message: expect.stringContaining("cursor is invalid"),
      });
    } finally {
      await client.close();
    }
  });

  it("never reads another tenant's connector: it answers as one that does not exist (attacker side)", async () => {
    const client = await connect(readerKey);
    try {
      const uri = "patchbay://connectors/tenant-a-private/capabilities";
      const refused = await client.readResource({ uri }).catch((error: unknown) => error);
      expect(refused).toMatchObject({
        code: ErrorCode.InvalidParams,
        message: expect.stringContaining(`Resource ${uri} not found`),
      });
      expect(JSON.stringify(refused)).not.toContain("secretThing");
    } finally {
      await client.close();
    }
    // Its own tenant reads it.
    const owner = await connect(await t.createKey(["mcp", "catalog:read"], "owner", "tenant-a"));
    try {
      const uri = "patchbay://connectors/tenant-a-private/capabilities";
      const { contents } = await owner.readResource({ uri });
      expect(JSON.stringify(contents)).toContain("secretThing");
    } finally {
      await owner.close();
    }
  });

  it("pages resources/list through the catalog's own page tokens", async () => {
    // A tenant with more connectors of its own than one page holds.
    const writer = await t.createKey(["catalog:write"], "owner", "tenant-many");
    for (let batch = 0; batch < 6; batch += 1) {
      const made = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          fetch(`${t.url}/api/v1/connectors`, {
            method: "POST",
            headers: { authorization: `Bearer ${writer}`, "content-type": "application/json" },
            body: JSON.stringify({
              name: `many-${batch}-${i}`,
              executionModel: "script",
              configSchema: PRIVATE_SCHEMA,
              scriptSource: "function secretThing() { return { success: true, payload: {} }; }",
            }),
          }),
        ),
      );
      expect(made.map((res) => res.status)).toEqual(made.map(() => 200));
    }
    const client = await connect(await t.createKey(["mcp", "catalog:read"], "reader", "tenant-many"));
    try {
      const first = await client.listResources();
      expect(first.nextCursor).toBeDefined();
      const uris = (await allResources(client)).map((r) => r.uri);
      expect(new Set(uris).size).toBe(uris.length);
      expect(uris.filter((uri) => uri.startsWith("patchbay://connectors/many-"))).toHaveLength(120);
      expect(uris.filter((uri) => uri === "patchbay://docs/script-api")).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it("shows a key without catalog:read the reference alone, and refuses its capabilities reads", async () => {
    const client = await connect(await t.createKey(["mcp", "execute"], "agent"));
    try {
      const { resources, nextCursor } = await client.listResources();
      expect(resources.map((r) => r.uri)).toEqual(["patchbay://docs/script-api"]);
      expect(nextCursor).toBeUndefined();
      await expect(
        client.readResource({ uri: "patchbay://connectors/echo/capabilities" }),
      ).rejects.toMatchObject({
        code: ErrorCode.InvalidRequest,
        message: expect.stringContaining("lacks scope 'catalog:read'"),
      });
      // The reference needs no catalog scope.
      const { contents } = await client.readResource({ uri: "patchbay://docs/script-api" });
      expect(contents).toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});
