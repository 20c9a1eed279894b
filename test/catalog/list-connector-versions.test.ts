import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// ListConnectorVersions over REST (GET /api/v1/connectors/{slug}/versions) against a real server: every
// stored version, newest first, with its schema; a script's source for its own tenant only.

const SCHEMA = {
  connectionConfig: {},
  commands: { ping: { params: [], description: "Answers pong", outputs: ["pong"] } },
};
const SOURCE = "function ping() { return { success: true, payload: { pong: true } }; }";

interface Version {
  version: string;
  configSchema: { commands: Record<string, unknown> };
  createTime: string;
  scriptSource: string;
}

/** The parts of the answers these tests read. */
interface Answer {
  code?: string;
  versions?: Version[];
  previousVersion?: string;
  requiredBump?: string;
}

describe("ListConnectorVersions", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgresql");
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  const call = async (key: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${t.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Answer };
  };

  it("lists every version newest first, with its schema and, for its own tenant, the script", async () => {
    const created = await call(t.adminKey, "POST", "/api/v1/connectors", {
      name: "versioned-script",
      executionModel: "script",
      configSchema: SCHEMA,
      scriptSource: SOURCE,
    });
    expect(created.status).toBe(200);
    const added = {
      ...SCHEMA,
      commands: { ...SCHEMA.commands, echo: { params: ["text"], description: "Echoes", outputs: ["text"] } },
    };
    const source2 = `${SOURCE}\nfunction echo() { return { success: true, payload: { text: patchbay.params.text } }; }`;
    const updated = await call(t.adminKey, "PUT", "/api/v1/connectors/versioned-script", {
      configSchema: added,
      scriptSource: source2,
      autoBump: true,
    });
    expect(updated.json).toMatchObject({ previousVersion: "1.0.0", requiredBump: "minor" });

    const listed = await call(t.adminKey, "GET", "/api/v1/connectors/versioned-script/versions");
    expect(listed.status).toBe(200);
    const versions = listed.json.versions ?? [];
    expect(versions.map((v) => v.version)).toEqual(["1.1.0", "1.0.0"]);
    expect(Object.keys(versions[0]?.configSchema.commands ?? {}).sort()).toEqual(["echo", "ping"]);
    expect(Object.keys(versions[1]?.configSchema.commands ?? {})).toEqual(["ping"]);
    expect(versions.map((v) => v.scriptSource)).toEqual([source2, SOURCE]);
    expect(Date.parse(versions[0]?.createTime ?? "")).toBeGreaterThanOrEqual(
      Date.parse(versions[1]?.createTime ?? ""),
    );

    // A catalog:read key of the same tenant reads them too.
    const reader = await t.createKey(["catalog:read"]);
    expect((await call(reader, "GET", "/api/v1/connectors/versioned-script/versions")).json).toEqual(
      listed.json,
    );
  });

  it("answers not_found for another tenant's connector, and keeps a published one's script from other tenants", async () => {
    const other = await t.createKey(["catalog:read"], "someone", "tenant-b");
    const hidden = await call(other, "GET", "/api/v1/connectors/versioned-script/versions");
    expect(hidden.status).toBe(404);
    expect(hidden.json.code).toBe("not_found");

    expect(
      (await call(t.adminKey, "PUT", "/api/v1/connectors/versioned-script", { published: true })).status,
    ).toBe(200);
    const shared = await call(other, "GET", "/api/v1/connectors/versioned-script/versions");
    expect(shared.status).toBe(200);
    const versions = shared.json.versions ?? [];
    expect(versions.map((v) => v.version)).toEqual(["1.1.0", "1.0.0"]);
    expect(versions.map((v) => v.scriptSource)).toEqual(["", ""]);
  });

  it("shows the source of a script that ships with Patchbay, and refuses a bad slug", async () => {
    const reader = await t.createKey(["catalog:read"], "someone", "tenant-b");
    const sample = await call(reader, "GET", "/api/v1/connectors/sample-script/versions");
    expect(sample.status).toBe(200);
    expect(sample.json.versions?.[0]?.scriptSource).toContain("function lookupEmployee");
    const bad = await call(reader, "GET", "/api/v1/connectors/Not_A_Slug/versions");
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe("invalid_argument");
  });
});
