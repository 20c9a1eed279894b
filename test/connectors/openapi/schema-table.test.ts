import { describe, expect, it } from "vitest";
import type { OperationPlan } from "../../../src/connectors/openapi/openapi-plan.ts";
import { parseOpenApi } from "../../../src/connectors/openapi/parse-openapi.ts";
import { validateParams } from "../../../src/connectors/openapi/validate-params.ts";

/** A 3.0 document with these paths and components, as text (so nothing is shared but through `$ref`). */
function doc(
  paths: Record<string, unknown>,
  schemas: Record<string, unknown> = {},
  extra: object = {},
): string {
  return JSON.stringify({
    openapi: "3.0.3",
    info: { title: "Shared", version: "1.0.0" },
    servers: [{ url: "https://api.example.com" }],
    paths,
    components: { schemas, ...extra },
  });
}

/** `count` operations that each send `schema` as their JSON body. */
function bodies(count: number, schema: unknown): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    paths[`/things${i}`] = {
      post: {
        operationId: `send${i}`,
        requestBody: { content: { "application/json": { schema } } },
        responses: { 200: { description: "ok" } },
      },
    };
  }
  return paths;
}

/** An object schema with `count` documented string properties (about 150 bytes of JSON each). */
function wide(count: number): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (let i = 0; i < count; i++)
    properties[`field${i}`] = { type: "string", maxLength: 64, description: `Field number ${i}.` };
  return { type: "object", properties };
}

const occurrences = (text: string, part: string): number => text.split(part).length - 1;

describe("the plan's shared schemas", () => {
  it("stores a schema that 300 operations use once, and points at it from each", async () => {
    const item = { type: "array", items: { $ref: "#/components/schemas/Item" } };
    const draft = await parseOpenApi(doc(bodies(300, item), { Item: wide(200) }));
    const plan = JSON.stringify(draft.openapi);
    expect(draft.openapi.schemas?.Item?.properties).toHaveProperty("field199", {
      type: "string",
      maxLength: 64,
    });
    expect(occurrences(plan, '"field199"')).toBe(1);
    expect(occurrences(plan, '"#/schemas/Item"')).toBe(300);
    // Written out per use, the plan would hold 300 copies of ~6 KiB.
    expect(plan.length).toBeLessThan(100_000);
  });

  it("stores an inline schema met again (a shared parameter's) once, from its second use", async () => {
    const paths: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++)
      paths[`/p${i}`] = {
        get: {
          operationId: `get${i}`,
          parameters: [{ $ref: "#/components/parameters/Filter" }],
          responses: { 200: { description: "ok" } },
        },
      };
    const filter = { name: "filter", in: "query", schema: wide(20) };
    const draft = await parseOpenApi(doc(paths, {}, { parameters: { Filter: filter } }));
    const plan = JSON.stringify(draft.openapi);
    expect(draft.openapi.operations.get0?.params[0]?.schema).toHaveProperty("properties");
    expect(draft.openapi.operations.get1?.params[0]?.schema).toEqual({ $ref: "#/schemas/inline.filter" });
    expect(occurrences(plan, '"field19"')).toBe(2); // the first use and the table entry
  });

  it("points a $ref with a description beside it at the same entry as a plain one", async () => {
    const paths = {
      "/a": {
        post: {
          operationId: "a",
          requestBody: {
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  properties: {
                    first: { $ref: "#/components/schemas/Pet" },
                    second: { $ref: "#/components/schemas/Pet", description: "The other pet." },
                    third: { $ref: "#/components/schemas/Pet", nullable: true },
                  },
                },
              },
            },
          },
          responses: { 200: { description: "ok" } },
        },
      },
    };
    const draft = await parseOpenApi(
      doc(paths, { Pet: { type: "object", properties: { name: { type: "string" } } } }, {}),
    );
    const params = draft.openapi.operations.a?.params ?? [];
    expect(params.map((p) => p.schema)).toEqual([
      { $ref: "#/schemas/Pet" },
      { $ref: "#/schemas/Pet" },
      { $ref: "#/schemas/Pet-2" }, // nullable: checked differently, so an entry of its own
    ]);
    expect(draft.openapi.schemas?.["Pet-2"]).toMatchObject({ nullable: true });
    // The catalog's fields still come from the document, descriptions included.
    expect(draft.configSchema.commands?.a?.paramSchema?.second).toEqual({
      type: "raw",
      description: "The other pet.",
    });
  });

  it("keeps validation keywords and drops annotations and extensions, but not properties named like them", async () => {
    const schema = {
      type: "object",
      title: "Order",
      description: "An order.",
      example: { description: "x" },
      "x-internal": true,
      required: ["description"],
      properties: { description: { type: "string", minLength: 1, description: "What is ordered." } },
    };
    const draft = await parseOpenApi(
      doc(bodies(1, { type: "array", items: { $ref: "#/components/schemas/Order" } }), { Order: schema }),
    );
    expect(draft.openapi.schemas?.Order).toEqual({
      type: "object",
      required: ["description"],
      properties: { description: { type: "string", minLength: 1 } },
    });
  });

  it("names entries after their components, safe in a validator's id, and numbers clashes", async () => {
    const paths = {
      "/a": {
        post: {
          operationId: "a",
          requestBody: {
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  properties: {
                    x: { $ref: "#/components/schemas/.." },
                    y: { $ref: "#/components/schemas/_." },
                    z: { $ref: "#/components/schemas/.hidden" },
                  },
                },
              },
            },
          },
          responses: { 200: { description: "ok" } },
        },
      },
    };
    const draft = await parseOpenApi(
      doc(paths, {
        "..": { type: "object", properties: { a: { type: "string" } } },
        "_.": { type: "object", properties: { b: { type: "string" } } },
        ".hidden": { type: "object", properties: { c: { type: "string" } } },
      }),
    );
    // A path segment of dots would be resolved away in a validator's id: the leading dot becomes "_".
    expect(Object.keys(draft.openapi.schemas ?? {})).toEqual(["_.", "_.-2", "_hidden"]);
    const operation = draft.openapi.operations.a as OperationPlan;
    expect(
      validateParams(operation, { x: { a: 1 }, y: { b: 2 }, z: { c: 3 } }, draft.openapi.schemas),
    ).toEqual(["x/a must be string", "y/b must be string", "z/c must be string"]);
  });

  it("cuts inline nesting deeper than the limit, with a warning, and accepts any value there", async () => {
    let schema: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 40; i++) schema = { type: "object", properties: { next: schema } };
    const draft = await parseOpenApi(doc(bodies(1, schema)));
    expect(JSON.stringify(draft.openapi)).toContain('"x-patchbay-cut":"depth"');
    expect(draft.warnings).toContain("1 schema parts nested more than the copy depth limit were cut");
  });

  it("accepts any value where schemas are only $refs to each other (A → B → A, as A → A), with a warning", async () => {
    const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
    const cases = {
      "A → B → A": { A: ref("B"), B: ref("A") },
      "A → B → C → A": { A: ref("B"), B: ref("C"), C: ref("A") },
    };
    for (const schemas of Object.values(cases)) {
      const draft = await parseOpenApi(doc(bodies(1, ref("A")), schemas));
      expect(draft.openapi.schemas).toEqual({});
      expect(draft.warnings).toEqual([
        "schema reference #/components/schemas/A resolves to nothing; any value is accepted there",
      ]);
      const operation = draft.openapi.operations.send0 as OperationPlan;
      expect(validateParams(operation, { body: { any: ["thing"] } }, draft.openapi.schemas)).toEqual([]);
    }
  });

  it("checks params through shared schemas, with paths into them", async () => {
    const item = { type: "array", items: { $ref: "#/components/schemas/Item" } };
    const draft = await parseOpenApi(doc(bodies(2, item), { Item: wide(3) }));
    const operation = draft.openapi.operations.send1 as OperationPlan;
    const schemas = draft.openapi.schemas;
    expect(validateParams(operation, { body: [{ field0: "a" }] }, schemas)).toEqual([]);
    expect(validateParams(operation, { body: [{ field0: "a" }, { field2: 7 }] }, schemas)).toEqual([
      "body/1/field2 must be string",
    ]);
  });
});
