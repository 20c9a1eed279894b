import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { JsonSchema } from "../../../src/connectors/openapi/json-schema.ts";
import type { OperationPlan, ParamPlan } from "../../../src/connectors/openapi/openapi-plan.ts";
import { validateParams } from "../../../src/connectors/openapi/validate-params.ts";
import { type Harness, param, planOf, startHarness } from "./execute-harness.ts";

/** A fresh operation (so a fresh validator cache) with one query param `x` of this schema. */
function one(schema: JsonSchema, where: ParamPlan["in"] = "query"): OperationPlan {
  return { operationId: "op", method: "GET", path: "/", params: [param({ in: where, name: "x", schema })] };
}

function problems(schema: JsonSchema, value: unknown): string[] {
  return validateParams(one(schema), { x: value });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("validateParams", () => {
  it("lists each failing field and rule, never the values", () => {
    const operation: OperationPlan = {
      operationId: "listIssues",
      method: "GET",
      path: "/issues",
      params: [
        param({ in: "query", name: "limit", schema: { type: "integer", maximum: 100 } }),
        param({ in: "query", name: "state", schema: { type: "string", enum: ["open", "closed"] } }),
        param({ in: "query", name: "labels", schema: { type: "array", items: { type: "string" } } }),
        param({ in: "query", name: "email", schema: { type: "string", format: "email" } }),
      ],
    };
    const lines = validateParams(operation, {
      limit: 500,
      state: "jane.doe@secret.example",
      labels: [42, "ok"],
      email: "Jane Doe",
    });
    expect(lines).toEqual([
      "limit must be <= 100",
      "state must be one of the allowed values",
      "labels/0 must be string",
      'email must match format "email"',
    ]);
    expect(lines.join(" ")).not.toMatch(/500|jane|42|Jane/);
  });

  it("passes valid params and ignores absent ones and params the plan does not describe", () => {
    expect(problems({ type: "integer", minimum: 1 }, 3)).toEqual([]);
    expect(validateParams(one({ type: "integer" }), { other: "x" })).toEqual([]);
  });

  it("names declared properties in paths and masks object keys the schema does not declare", () => {
    const schema = {
      type: "object",
      properties: { address: { type: "object", properties: { city: { type: "string" } } } },
      additionalProperties: { type: "integer" },
    };
    expect(problems(schema, { address: { city: 5 }, "jane@example.com": "x" }).sort()).toEqual([
      "x/* must be integer",
      "x/address/city must be string",
    ]);
  });

  it("validates the whole-body param as the body", () => {
    const body = param({
      in: "body",
      name: "",
      param: "body",
      schema: { type: "array", items: { type: "string" } },
    });
    const operation: OperationPlan = { operationId: "op", method: "POST", path: "/", params: [body] };
    expect(validateParams(operation, { body: ["a", 7] })).toEqual(["body/1 must be string"]);
  });

  it("reports an anyOf failure once, without each branch's errors", () => {
    expect(problems({ anyOf: [{ type: "string" }, { type: "integer" }] }, true)).toEqual([
      "x must match a schema in anyOf",
    ]);
  });

  it("caps a long list of problems and counts the rest", () => {
    const schema = { type: "array", items: { type: "string" } };
    const lines = problems(
      schema,
      Array.from({ length: 25 }, (_, i) => i),
    );
    expect(lines).toHaveLength(21);
    expect(lines.at(-1)).toBe("and 5 more");
  });
});

describe("OpenAPI 3.0 and 3.1 schemas", () => {
  it("accepts null for 3.0 nullable (with a type, an enum, or only a composition)", () => {
    expect(problems({ type: "string", nullable: true }, null)).toEqual([]);
    expect(problems({ type: "string", enum: ["a"], nullable: true }, null)).toEqual([]);
    expect(problems({ allOf: [{ type: "object" }], nullable: true }, null)).toEqual([]);
    expect(problems({ type: "string" }, null)).toEqual(["x must be string"]);
    expect(problems({ type: "string", nullable: false }, null)).toEqual(["x must be string"]);
  });

  it("reads 3.0 boolean exclusiveMaximum/exclusiveMinimum", () => {
    expect(problems({ type: "integer", maximum: 10, exclusiveMaximum: true }, 10)).toEqual([
      "x must be < 10",
    ]);
    expect(problems({ type: "integer", minimum: 1, exclusiveMinimum: false }, 1)).toEqual([]);
  });

  it("handles 3.1 type arrays, const and prefixItems", () => {
    expect(problems({ type: ["string", "null"] }, null)).toEqual([]);
    expect(problems({ type: ["string", "null"] }, 5)).toEqual(["x must be string,null"]);
    expect(problems({ const: "v1" }, "v2")).toEqual(["x must be equal to constant"]);
    expect(problems({ type: "array", prefixItems: [{ type: "integer" }] }, ["a"])).toEqual([
      "x/0 must be integer",
    ]);
  });

  it("leaves a property named like a keyword alone", () => {
    const schema = { type: "object", properties: { nullable: { type: "boolean" } }, required: ["nullable"] };
    expect(problems(schema, {})).toEqual(["x must have required property 'nullable'"]);
  });

  it("ignores OpenAPI keywords, x- extensions and unknown formats without throwing", () => {
    const schema = {
      type: "object",
      properties: { kind: { type: "string", format: "our-own-format", example: "cat" } },
      discriminator: { propertyName: "kind" },
      xml: { name: "Pet" },
      externalDocs: { url: "https://example.com" },
      "x-internal": true,
    };
    expect(problems(schema, { kind: "dog" })).toEqual([]);
    expect(problems({ type: "integer", format: "int32" }, 2 ** 40)).toEqual(['x must match format "int32"']);
  });

  it("skips a param whose schema cannot be compiled instead of failing", () => {
    expect(problems({ type: "string", pattern: "(?i)abc" }, "zzz")).toEqual([]);
    expect(problems({ type: "file" }, "zzz")).toEqual([]);
    expect(problems({ $id: "https://example.com/s", type: "string" }, 1)).toEqual(["x must be string"]);
    expect(problems({ $id: "https://example.com/s", type: "integer" }, "a")).toEqual(["x must be integer"]);
  });
});

describe("compiling", () => {
  it("compiles only the params of the command called, once, on first use", () => {
    const compile = vi.spyOn(Ajv2020.prototype, "compile");
    const operations: Record<string, OperationPlan> = {};
    for (let i = 0; i < 600; i++) operations[`op${i}`] = one({ type: "integer", maximum: i });
    const op7 = operations.op7 as OperationPlan;
    expect(validateParams(op7, { x: 8 })).toEqual(["x must be <= 7"]);
    expect(validateParams(op7, { x: 3 })).toEqual([]);
    expect(compile).toHaveBeenCalledTimes(1);
    validateParams(operations.op8 as OperationPlan, { x: 1 });
    expect(compile).toHaveBeenCalledTimes(2);
  });
});

describe("plans with shared schemas (format 2)", () => {
  const schemas = {
    Pet: {
      type: "object",
      required: ["name"],
      properties: { name: { type: "string" }, owner: { $ref: "#/schemas/Person" } },
    },
    Person: {
      type: "object",
      properties: { name: { type: "string" }, pets: { type: "array", items: { $ref: "#/schemas/Pet" } } },
    },
  };
  const withPet = (schema: JsonSchema): OperationPlan => one(schema, "body");

  it("checks through pointers into the table, recursion included, naming the path", () => {
    const pet = { name: "Rex", owner: { name: "Jane", pets: [{ name: "Tom", owner: { pets: [{}] } }] } };
    expect(validateParams(withPet({ $ref: "#/schemas/Pet" }), { x: pet }, schemas)).toEqual([
      "x/owner/pets/0/owner/pets/0 must have required property 'name'",
    ]);
    expect(
      validateParams(
        withPet({ type: "array", items: { $ref: "#/schemas/Pet" } }),
        { x: [{ name: 5 }] },
        schemas,
      ),
    ).toEqual(["x/0/name must be string"]);
  });

  it("adds each shared schema to the plan's validators once, however many params reach it", () => {
    const add = vi.spyOn(Ajv2020.prototype, "addSchema");
    const table = structuredClone(schemas); // a plan of its own
    for (let i = 0; i < 5; i++)
      validateParams(withPet({ $ref: "#/schemas/Pet" }), { x: { name: "a" } }, table);
    const ids = add.mock.calls.map((call) => String((call[0] as { $id?: unknown }).$id));
    expect(ids.filter((id) => id.startsWith("https://plan.")).sort()).toEqual([
      "https://plan.patchbay.invalid/schemas/Person",
      "https://plan.patchbay.invalid/schemas/Pet",
    ]);
  });

  it("leaves a param whose pointer names no shared schema unchecked instead of failing", () => {
    expect(validateParams(withPet({ $ref: "#/schemas/Nowhere" }), { x: 1 }, schemas)).toEqual([]);
  });
});

describe("plans stored before shared schemas (format 1)", () => {
  it("still checks their written-out schemas, and accepts any value where they were cut", async () => {
    const cut = {
      description: "Circular reference to #/components/schemas/Node; any value is accepted.",
      "x-patchbay-cut": "#/components/schemas/Node",
    };
    const node = {
      type: "object",
      properties: { id: { type: "integer" }, children: { type: "array", items: cut } },
    };
    const plan = planOf({
      method: "POST",
      params: [param({ in: "body", name: "", param: "body", schema: node })],
    });
    expect(plan.format).toBe(1);
    const api = await startHarness();
    try {
      expect(await api.run(plan, "op", { body: { id: "one" } })).toMatchObject({
        errorCode: "INVALID_PARAMS",
        error: "Invalid field(s): body/id must be integer",
      });
      expect(await api.run(plan, "op", { body: { id: 1, children: [{ anything: true }] } })).toMatchObject({
        success: true,
      });
    } finally {
      await api.close();
    }
  });
});

describe("executeOperation with invalid params", () => {
  let api: Harness;
  beforeAll(async () => {
    api = await startHarness();
  });
  afterAll(() => api.close());

  it("fails with INVALID_PARAMS listing the fields, and sends nothing", async () => {
    const plan = planOf({
      params: [
        param({ in: "query", name: "limit", schema: { type: "integer", maximum: 100 } }),
        param({ in: "query", name: "state", schema: { enum: ["open", "closed"] } }),
      ],
    });
    const result = await api.run(plan, "op", { limit: 1000, state: "Jane" });
    expect(result).toEqual({
      success: false,
      errorCode: "INVALID_PARAMS",
      error: "Invalid field(s): limit must be <= 100; state must be one of the allowed values",
    });
    expect(api.server.requests).toHaveLength(0);
  });
});
