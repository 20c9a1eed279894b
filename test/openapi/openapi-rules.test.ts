import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

type Schema = {
  type?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  description?: string;
  [keyword: string]: unknown;
};
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema: Schema;
}
interface Document {
  paths: Record<
    string,
    Record<
      string,
      { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } }
    >
  >;
  components: { schemas: Record<string, Schema> };
}

const document = JSON.parse(
  readFileSync(new URL("../../gen/openapi.json", import.meta.url), "utf8"),
) as Document;
const component = (name: string): Schema => {
  const schema = document.components.schemas[`patchbay.v1.${name}`];
  if (schema === undefined) throw new Error(`no component ${name}`);
  return schema;
};
const parameter = (path: string, method: string, name: string): Parameter => {
  const found = document.paths[path]?.[method]?.parameters?.find((p) => p.name === name);
  if (found === undefined) throw new Error(`no parameter ${name} of ${method} ${path}`);
  return found;
};

// The request rules declared in the protos, as the document shows them (docs/limits.md, "Declared rules").
describe("gen/openapi.json shows the declared request rules", () => {
  it("as `required`, length bounds, a closed set and minItems on a request body", () => {
    const create = component("CreateApiKeyRequest");
    expect(create.required).toEqual(["subject", "scopes"]);
    expect(create.properties?.subject).toMatchObject({ minLength: 1, maxLength: 256 });
    expect(create.properties?.name).toMatchObject({ maxLength: 100 });
    expect(create.properties?.scopes).toMatchObject({
      minItems: 1,
      items: {
        type: "string",
        enum: [
          "catalog:read",
          "catalog:write",
          "connections",
          "execute",
          "webhooks:admin",
          "webhooks:payload",
          "mcp",
          "agent",
          "admin",
        ],
      },
    });
  });

  it("as format uuid and required on nested messages, which answers carry as well", () => {
    const target = component("CommandTarget");
    expect(target.required).toEqual(["connectionId", "command"]);
    expect(target.properties?.connectionId).toMatchObject({ type: "string", format: "uuid" });
    expect(target.properties?.command).toMatchObject({ maxLength: 128 });
  });

  it("as a pattern beside the length, on a nested message and a request body", () => {
    const rule = { type: "string", maxLength: 64, pattern: "^[A-Za-z0-9_-]+$" };
    expect(component("ExecuteMetadata").properties?.mockScenario).toMatchObject(rule);
    expect(component("CreateConnectorRequest").properties?.mockScenario).toMatchObject(rule);
  });

  it("on path and query parameters: format uuid, enum, minimum, required", () => {
    expect(parameter("/api/v1/connections/{id}", "get", "id").schema).toMatchObject({ format: "uuid" });
    expect(parameter("/api/v1/connections", "get", "status").schema.enum).toEqual([
      "pending",
      "active",
      "error",
      "revoked",
    ]);
    expect(parameter("/api/v1/connections", "get", "pageSize").schema).toMatchObject({ minimum: 0 });
    expect(parameter("/api/v1/connections/oauth/start", "get", "slug").required).toBe(true);
    expect(parameter("/api/v1/connections/oauth/start", "get", "label").required).toBeUndefined();
  });

  it("as a range that replaces the wire type's, on a body without its path-bound fields", () => {
    const body =
      document.paths["/api/v1/api-keys/{id}:rotate"]?.post?.requestBody?.content["application/json"]?.schema;
    expect(body?.properties?.overlapSeconds).toMatchObject({ minimum: 0, maximum: 604800 });
    // `id` is required, but the path carries it: the body does not list it.
    expect(body?.required).toBeUndefined();
  });

  it("says which oneofs need exactly one field, and which at most one", () => {
    const execute =
      document.paths["/api/v1/connectors/{connector_slug}/execute"]?.post?.requestBody?.content[
        "application/json"
      ]?.schema;
    expect(execute?.properties?.connectionId?.description).toContain(
      "set exactly one of `connectionId`, `connectorSlug`",
    );
    expect(component("JobTarget").properties?.pull?.description).toContain("set at most one of");
  });

  it("names only properties that exist in every `required` list", () => {
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      for (const field of schema.required ?? [])
        expect(schema.properties, `${name}.${field}`).toHaveProperty(field);
    }
  });
});
