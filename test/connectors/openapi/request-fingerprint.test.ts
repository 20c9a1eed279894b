import { describe, expect, it } from "vitest";
import type { OpenApiPlan } from "../../../src/connectors/openapi/openapi-plan.ts";
import { requestFingerprint } from "../../../src/connectors/openapi/request-fingerprint.ts";
import { param, planOf } from "./execute-harness.ts";

/** A format 2 plan whose command `op` sends a body of shared schema `Pet` (whose `owner` is `Person`). */
function petPlan(pet: object, names = { pet: "Pet", person: "Person" }): OpenApiPlan {
  return planOf(
    {
      method: "POST",
      params: [param({ in: "body", name: "", param: "body", schema: { $ref: `#/schemas/${names.pet}` } })],
    },
    {
      format: 2,
      schemas: {
        [names.pet]: { type: "object", properties: { owner: { $ref: `#/schemas/${names.person}` }, ...pet } },
        [names.person]: { type: "object", properties: { name: { type: "string" } } },
        Unrelated: { type: "integer" },
      },
    },
  );
}

describe("requestFingerprint", () => {
  it("changes when a shared schema the command reaches changes, however deep", () => {
    const before = petPlan({ age: { type: "integer" } });
    const after = petPlan({ age: { type: "integer", minimum: 0 } });
    expect(requestFingerprint(after, "op")).not.toBe(requestFingerprint(before, "op"));
    const renamedField = structuredClone(before);
    (renamedField.schemas?.Person?.properties as Record<string, unknown>).name = { type: "integer" };
    expect(requestFingerprint(renamedField, "op")).not.toBe(requestFingerprint(before, "op"));
  });

  it("stays the same when shared schemas are renamed or schemas the command does not reach change", () => {
    const before = petPlan({ age: { type: "integer" } });
    const renamed = petPlan({ age: { type: "integer" } }, { pet: "Pet-2", person: "Owner" });
    expect(requestFingerprint(renamed, "op")).toBe(requestFingerprint(before, "op"));
    const unrelated = structuredClone(before);
    (unrelated.schemas as Record<string, unknown>).Unrelated = { type: "string" };
    expect(requestFingerprint(unrelated, "op")).toBe(requestFingerprint(before, "op"));
  });

  it("stays the same for a plan read back with its object keys in another order", () => {
    const before = petPlan({ age: { type: "integer", minimum: 0 } });
    // jsonb keeps an object's keys shortest first, not in the order they were written.
    const reordered = JSON.parse(JSON.stringify(before), (_key, value: unknown) =>
      typeof value === "object" && value !== null && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).reverse())
        : value,
    ) as OpenApiPlan;
    expect(JSON.stringify(reordered.operations.op)).not.toBe(JSON.stringify(before.operations.op));
    expect(requestFingerprint(reordered, "op")).toBe(requestFingerprint(before, "op"));
  });

  it("changes with the base URL and the security schemes every command uses", () => {
    const before = petPlan({});
    expect(requestFingerprint({ ...before, baseUrl: "https://other.example.com" }, "op")).not.toBe(
      requestFingerprint(before, "op"),
    );
    const keyed = {
      ...before,
      securitySchemes: {
        key: { type: "apiKey" as const, in: "header" as const, name: "X-Key", field: "key" },
      },
    };
    expect(requestFingerprint(keyed, "op")).not.toBe(requestFingerprint(before, "op"));
  });

  it("is empty for a command the plan does not have, and reads format 1 plans", () => {
    expect(requestFingerprint(petPlan({}), "nope")).toBe("");
    const inline = planOf({ params: [param({ in: "query", name: "q", schema: { type: "string" } })] });
    const changed = planOf({ params: [param({ in: "query", name: "q", schema: { type: "integer" } })] });
    expect(requestFingerprint(inline, "op")).not.toBe(requestFingerprint(changed, "op"));
  });
});
