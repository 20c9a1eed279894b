import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { BACKENDS, startTestServer, type TestServer } from "../support/test-server.ts";

// The script connector of seed 004 "Creating Script Connectors", as its REST body (unchanged JSON).
const MY_CRM = {
  name: "my-crm",
  type: "my-crm",
  description: "Integration with My CRM",
  version: "1.0.0",
  executionModel: "script",
  category: "crm",
  tags: ["sales", "contacts"],
  configSchema: {
    connectionConfig: {
      baseUrl: { type: "string", required: true, description: "CRM API base URL" },
      apiKey: { type: "string", required: true, secret: true, description: "API key" },
    },
    commands: {
      listContacts: {
        params: ["limit", "offset"],
        description: "List contacts from the CRM",
        outputs: ["contacts", "total"],
        paramSchema: { limit: { type: "number", default: 50 }, offset: { type: "number", default: 0 } },
      },
      createContact: {
        params: ["email", "firstName", "lastName"],
        description: "Create a new contact",
        outputs: ["contactId"],
      },
      test: { params: [], description: "Test connectivity", outputs: [] },
    },
  },
  scriptSource: "function test() { return { success: true }; }",
};

const SECRET = "sk-live-do-not-leak-4242";

describe.each(BACKENDS)("catalog writes over the wire on %s", (backend) => {
  let t: TestServer;
  const rest = (method: string, path: string, body?: unknown, key?: string) =>
    fetch(`${t.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key ?? t.adminKey}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const client = () =>
    createClient(CatalogService, createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }));
  const headers = () => ({ authorization: `Bearer ${t.adminKey}` });

  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("creates a built-in instance whose secret config never appears in a response, a log line or the table", async () => {
    const res = await rest("POST", "/api/v1/connectors", {
      name: "placeholder-prod",
      type: "placeholder-api",
      executionModel: "built_in",
      description: "Production tenant",
      config: { baseUrl: "https://api.example.test", apiKey: SECRET },
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain(SECRET);
    const created = JSON.parse(text) as { connector: { slug: string; authType: string; type: string } };
    expect(created.connector).toMatchObject({
      slug: "placeholder-prod",
      type: "placeholder-api",
      authType: "api_key",
    });
    for (const path of [
      "/api/v1/connectors/placeholder-prod",
      "/api/v1/connectors/placeholder-prod/capabilities",
      "/api/v1/connectors",
    ]) {
      expect(await (await rest("GET", path)).text()).not.toContain(SECRET);
    }
    const stored = await t.server.db
      .em()
      .getConnection()
      .execute("select sealed_config from connectors where slug = 'placeholder-prod'");
    const sealed = String((stored[0] as { sealed_config: string }).sealed_config);
    expect(sealed).toMatch(/^pb1\.[0-9a-f]{8}\./);
    expect(sealed).not.toContain(SECRET);
    expect(t.logs.text()).not.toContain(SECRET);
  });

  it("refuses instance config that does not fit the type, naming fields and never values", async () => {
    const unknownType = await rest("POST", "/api/v1/connectors", {
      name: "x-1",
      type: "nope",
      executionModel: "built_in",
    });
    expect(unknownType.status).toBe(400);
    expect(((await unknownType.json()) as { message: string }).message).toContain("placeholder-api");
    const bad = await rest("POST", "/api/v1/connectors", {
      name: "x-2",
      type: "placeholder-api",
      executionModel: "built_in",
      config: { baseUrl: 42, apiKey: SECRET, extra: "y" },
    });
    const body = (await bad.json()) as { code: string; message: string };
    expect(bad.status).toBe(400);
    expect(body.message).toBe("config is invalid: extra is not a connection field; baseUrl must be a string");
    expect(JSON.stringify(body)).not.toContain(SECRET);
  });

  it("accepts seed 004's script connector body unchanged and lists it as available", async () => {
    const res = await rest("POST", "/api/v1/connectors", MY_CRM);
    expect(res.status).toBe(200);
    const { connector } = (await res.json()) as {
      connector: { executionModel: string; availability: string; tools: { name: string }[]; version: string };
    };
    expect(connector.executionModel).toBe("script");
    expect(connector.availability).toBe("available");
    expect(connector.version).toBe("1.0.0");
    expect(connector.tools.map((tool) => tool.name)).toEqual(["listContacts", "createContact", "test"]);
  });

  it("refuses a too-small version bump naming each breaking change, and accepts auto_bump", async () => {
    const { listContacts: _removed, ...rest_ } = MY_CRM.configSchema.commands;
    const next = {
      connectionConfig: MY_CRM.configSchema.connectionConfig,
      commands: {
        ...rest_,
        createContact: {
          ...MY_CRM.configSchema.commands.createContact,
          params: ["email", "firstName", "lastName", "phone"],
        },
      },
    };
    const refused = await rest("PUT", "/api/v1/connectors/my-crm", { version: "1.0.1", configSchema: next });
    const body = (await refused.json()) as { code: string; message: string };
    expect(refused.status).toBe(400);
    expect(body.code).toBe("failed_precondition");
    expect(body.message).toContain("version 1.0.1 is a patch bump, but these changes need a major bump");
    expect(body.message).toContain("command 'listContacts' was removed");
    expect(body.message).toContain("'phone'");
    expect(refused.headers.get("x-patchbay-error")).toContain("major bump");

    const accepted = await client().updateConnector(
      { slug: "my-crm", configSchema: undefined, autoBump: true },
      { headers: headers() },
    );
    expect(accepted.requiredBump).toBe("none");
    const bumped = await rest("PUT", "/api/v1/connectors/my-crm", { autoBump: true, configSchema: next });
    const result = (await bumped.json()) as {
      connector: { version: string };
      previousVersion: string;
      requiredBump: string;
    };
    expect(bumped.status).toBe(200);
    expect(result).toMatchObject({
      previousVersion: "1.0.0",
      requiredBump: "major",
      connector: { version: "2.0.0" },
    });
    const versions = await t.server.db
      .em()
      .getConnection()
      .execute(
        "select v.version from connector_versions v join connectors c on c.id = v.connector_id where c.slug = 'my-crm' order by v.version",
      );
    expect(versions.map((v) => (v as { version: string }).version)).toEqual(["1.0.0", "2.0.0"]);
  });

  it("shows deprecation metadata in capabilities", async () => {
    await client().createConnector(
      {
        name: "users-api",
        executionModel: "script",
        scriptSource: "function listUsers() {}",
        configSchema: {
          connectionConfig: {},
          commands: {
            listUsers: {
              params: ["limit"],
              description: "List users (deprecated)",
              outputs: [],
              paramSchema: {},
              deprecated: true,
              deprecatedMessage: "Use listUsersV2 instead",
              addedInVersion: "1.0.0",
            },
            listUsersV2: {
              params: ["limit", "cursor"],
              description: "List users with cursor pagination",
              outputs: [],
              paramSchema: {},
              deprecated: false,
              deprecatedMessage: "",
              addedInVersion: "2.0.0",
            },
          },
        },
      },
      { headers: headers() },
    );
    const caps = (await (await rest("GET", "/api/v1/connectors/users-api/capabilities")).json()) as {
      commands: {
        name: string;
        deprecated?: boolean;
        deprecatedMessage?: string;
        addedInVersion?: string;
        params: { name: string }[];
      }[];
    };
    expect(caps.commands.find((c) => c.name === "listUsers")).toMatchObject({
      deprecated: true,
      deprecatedMessage: "Use listUsersV2 instead",
      addedInVersion: "1.0.0",
    });
    expect(caps.commands.find((c) => c.name === "listUsersV2")?.params.map((p) => p.name)).toEqual([
      "limit",
      "cursor",
    ]);
  });

  it("soft-deletes a connector, refuses deleting a built-in type, and checks scopes", async () => {
    const deleted = await rest("DELETE", "/api/v1/connectors/users-api");
    expect(await deleted.json()).toEqual({ deleted: true });
    expect((await rest("GET", "/api/v1/connectors/users-api")).status).toBe(404);
    const builtIn = await client()
      .deleteConnector({ slug: "http" }, { headers: headers() })
      .catch((e: unknown) => e);
    expect(builtIn).toBeInstanceOf(ConnectError);
    expect((builtIn as ConnectError).code).toBe(Code.FailedPrecondition);
    const reader = await t.createKey(["catalog:read"]);
    const denied = await rest(
      "POST",
      "/api/v1/connectors",
      { name: "x-3", type: "delay", executionModel: "built_in" },
      reader,
    );
    expect(denied.status).toBe(403);
    expect((await rest("GET", "/api/v1/connectors/http", undefined, reader)).status).toBe(200);
  });

  it("puts an instance in mock mode with a known scenario and refuses an unknown one", async () => {
    const ok = await rest("POST", "/api/v1/connectors", {
      name: "placeholder-demo",
      type: "placeholder-api",
      executionModel: "built_in",
      mockScenario: "default",
    });
    expect(((await ok.json()) as { connector: { mockScenario: string } }).connector.mockScenario).toBe(
      "default",
    );
    const bad = await rest("POST", "/api/v1/connectors", {
      name: "placeholder-x",
      type: "placeholder-api",
      executionModel: "built_in",
      mockScenario: "nonsense",
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toBe(
      "mock_scenario names no mock scenario of this connector type",
    );
    // An update is held to the same: a mock mode without its scenario would fail every call.
    const unknown = await rest("PUT", "/api/v1/connectors/placeholder-demo", { mockScenario: "nonsense" });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { message: string }).message).toBe(
      "mock_scenario names no mock scenario of this connector type",
    );
    const known = await rest("PUT", "/api/v1/connectors/placeholder-demo", { mockScenario: "empty" });
    expect(((await known.json()) as { connector: { mockScenario: string } }).connector.mockScenario).toBe(
      "empty",
    );
  });

  it("holds a mock scenario name to Execute's rule on create and update, naming the field", async () => {
    const refusal = async (res: Response) => {
      expect(res.status).toBe(400);
      const body = (await res.json()) as { message: string; details: { debug?: unknown }[] };
      return { message: body.message, debug: body.details[0]?.debug };
    };
    const pattern = {
      message: "mock_scenario must match the pattern ^[A-Za-z0-9_-]+$",
      debug: {
        fieldViolations: [
          {
            field: "mock_scenario",
            description: "mock_scenario must match the pattern ^[A-Za-z0-9_-]+$",
            reason: "PATTERN",
          },
        ],
      },
    };
    const created = await rest("POST", "/api/v1/connectors", {
      name: "placeholder-hostile",
      type: "placeholder-api",
      executionModel: "built_in",
      mockScenario: "<script>",
    });
    expect(await refusal(created)).toEqual(pattern);
    const instance = await rest("POST", "/api/v1/connectors", {
      name: "placeholder-rule",
      type: "placeholder-api",
      executionModel: "built_in",
    });
    expect(instance.status).toBeLessThan(300);
    await instance.arrayBuffer();
    // An update stored any text before: the same rule holds it now.
    for (const [name, reason] of [
      ["../etc", "PATTERN"],
      ["x".repeat(65), "MAX_LEN"],
    ] as const) {
      const updated = await rest("PUT", "/api/v1/connectors/placeholder-rule", { mockScenario: name });
      const { message, debug } = await refusal(updated);
      expect(message).toMatch(/^mock_scenario must /);
      expect(debug).toMatchObject({ fieldViolations: [{ field: "mock_scenario", reason }] });
    }
    const cleared = await rest("PUT", "/api/v1/connectors/placeholder-rule", { mockScenario: "" });
    expect(cleared.status).toBe(200);
    await cleared.arrayBuffer();
  });
});
