import { fromJson, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";
import { type ConfigSchemaJson, ConfigSchemaSchema } from "../../gen/patchbay/v1/common_pb.ts";
import { ExecuteService, ExecutionFailureSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { BUILTIN_CATALOG, syncBuiltinCatalog } from "../../src/catalog/index.ts";
import { diffSchemas } from "../../src/catalog/versioning/index.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

// The catalog stores schemas as proto JSON with a command's description, params, outputs and
// paramSchema (and both maps of the schema) spelled out, exactly as releases before proto JSON wrote
// them, so that such a release reads every row after a rollback. Proto JSON may also leave those out
// (the canonical form `toJson` writes): this suite proves both forms read the same through the API,
// Execute's checks, the version diff and the built-in sync, which is why no migration rewrites rows.

/** The canonical form: what `toJson` writes, every value equal to its default left out. */
const canonical = (schema: ConfigSchemaJson) =>
  toJson(ConfigSchemaSchema, fromJson(ConfigSchemaSchema, schema));

const SCHEMA: ConfigSchemaJson = {
  connectionConfig: { region: { type: "select", options: ["eu", "us"], default: "eu" } },
  commands: {
    ping: {},
    greet: {
      description: "Greets",
      params: ["name", "times"],
      outputs: ["greeting"],
      paramSchema: { name: { type: "string", required: true }, times: { type: "number", default: 2 } },
    },
  },
};
/** SCHEMA as releases before proto JSON stored it (and this one stores it). */
const STORED = {
  connectionConfig: { region: { type: "select", options: ["eu", "us"], default: "eu" } },
  commands: {
    ping: { description: "", params: [], outputs: [], paramSchema: {} },
    greet: {
      description: "Greets",
      params: ["name", "times"],
      outputs: ["greeting"],
      paramSchema: { name: { type: "string", required: true }, times: { type: "number", default: 2 } },
    },
  },
};
const SCRIPT = `
function ping() { return { success: true }; }
function greet() {
  return { success: true, payload: { greeting: "hi " + patchbay.params.name + " x" + patchbay.params.times } };
}`;

describe("stored schemas with their defaults spelled out or left out", () => {
  let t: TestServer;
  const headers = () => ({ authorization: `Bearer ${t.adminKey}` });
  const catalog = () => createClient(CatalogService, createGrpcTransport({ baseUrl: t.url }));
  const execute = (command: string, params = {}) =>
    createClient(ExecuteService, createGrpcTransport({ baseUrl: t.url })).execute(
      { target: { case: "connectorSlug", value: "shapes" }, command, params },
      { headers: headers() },
    );
  const sql = (text: string, params: unknown[] = []) =>
    t.server.db.em().getConnection().execute(text, params);
  const read = async () => ({
    connector: (await catalog().getConnector({ slug: "shapes" }, { headers: headers() })).connector,
    capabilities: await catalog().getCapabilities({ slug: "shapes" }, { headers: headers() }),
  });

  let asCreated: Awaited<ReturnType<typeof read>>;
  beforeAll(async () => {
    t = await startTestServer("postgresql");
    await catalog().createConnector(
      {
        name: "shapes",
        executionModel: "script",
        configSchema: fromJson(ConfigSchemaSchema, SCHEMA),
        scriptSource: SCRIPT,
        scriptLimits: { cpuMs: 1000 },
      },
      { headers: headers() },
    );
    asCreated = await read();
    // The connector row gets the canonical form before anything looks the connector up (so the lookup
    // caches nothing of the stored form); its version row keeps what CreateConnector wrote.
    await sql("update connectors set config_schema = ?::jsonb where slug = 'shapes'", [
      JSON.stringify(canonical(SCHEMA)),
    ]);
  });
  afterAll(() => t?.stop());

  it("stores what releases before proto JSON wrote: the same schema and script limits JSON", async () => {
    const [row] = await sql(
      "select v.config_schema, c.script_limits from connector_versions v join connectors c on c.id = v.connector_id where c.slug = 'shapes'",
    );
    expect(row?.script_limits).toEqual({ cpuMs: 1000 });
    expect(row?.config_schema).toEqual(STORED);
  });

  it("answers GetConnector and GetCapabilities the same for the row with its defaults left out", async () => {
    const [row] = await sql("select config_schema from connectors where slug = 'shapes'");
    expect(row?.config_schema.commands.ping).toEqual({});
    expect(await read()).toEqual(asCreated);
  });

  it("checks Execute's params against that row: defaults applied, required ones enforced", async () => {
    expect((await execute("greet", { name: "Ada" })).payload).toEqual({ greeting: "hi Ada x2" });
    const missing = await execute("greet").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConnectError);
    expect((missing as ConnectError).code).toBe(Code.InvalidArgument);
    expect((missing as ConnectError).findDetails(ExecutionFailureSchema)[0]?.errorCode).toBe(
      "MISSING_REQUIRED_FIELDS",
    );
  });

  it("diffs that row against the same schema sent again as no change, and a real change as one", async () => {
    const same = await catalog().updateConnector(
      { slug: "shapes", configSchema: fromJson(ConfigSchemaSchema, SCHEMA) },
      { headers: headers() },
    );
    expect(same).toMatchObject({ requiredBump: "none", previousVersion: "1.0.0" });
    expect(same.connector?.version).toBe("1.0.0");
    const described = await catalog()
      .updateConnector(
        {
          slug: "shapes",
          configSchema: fromJson(ConfigSchemaSchema, {
            ...SCHEMA,
            commands: { ...SCHEMA.commands, ping: { description: "Pings" } },
          }),
        },
        { headers: headers() },
      )
      .catch((e: unknown) => e);
    expect((described as ConnectError).code).toBe(Code.FailedPrecondition);
    expect((described as ConnectError).rawMessage).toContain("description of command 'ping' changed");
  });

  it("finds no change between a stored schema and its canonical form, built-in entries included", () => {
    expect(diffSchemas(STORED, canonical(SCHEMA))).toEqual([]);
    expect(diffSchemas(canonical(SCHEMA), STORED)).toEqual([]);
    for (const entry of BUILTIN_CATALOG) {
      expect(diffSchemas(canonical(entry.configSchema), entry.configSchema)).toEqual([]);
      expect(diffSchemas(entry.configSchema, canonical(entry.configSchema))).toEqual([]);
    }
  });

  it("leaves built-in rows in canonical form alone on start-up (nothing changed, nothing unbumped)", async () => {
    for (const entry of BUILTIN_CATALOG) {
      await sql("update connectors set config_schema = ?::jsonb where slug = ? and tenant_id is null", [
        JSON.stringify(canonical(entry.configSchema)),
        entry.slug,
      ]);
    }
    expect(await syncBuiltinCatalog(t.server.db.em(), BUILTIN_CATALOG, () => new Date())).toEqual({
      changed: [],
      unbumped: [],
    });
  });
});
