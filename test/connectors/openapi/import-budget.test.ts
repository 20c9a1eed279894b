import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, describe, expect, it } from "vitest";
import { createImportBudget } from "../../../src/connectors/openapi/import-budget.ts";
import { createOpenApiImporter, MAX_IMPORTED_BYTES } from "../../../src/connectors/openapi/index.ts";

const importer = createOpenApiImporter();
afterAll(() => importer.close());

/** `operations` operations that each send a `properties`-property object body (flattened into params). */
function flattened(operations: number, properties: number): string {
  const wide: Record<string, unknown> = {};
  for (let i = 0; i < properties; i++)
    wide[`secretField${i}`] = { type: "string", description: `Field ${i}.` };
  const paths: Record<string, unknown> = {};
  for (let i = 0; i < operations; i++)
    paths[`/items${i}`] = {
      post: {
        operationId: `create${i}`,
        requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/Wide" } } } },
        responses: { 200: { description: "ok" } },
      },
    };
  return JSON.stringify({
    openapi: "3.0.3",
    info: { title: "Wide", version: "1.0.0" },
    paths,
    components: { schemas: { Wide: { type: "object", properties: wide } } },
  });
}

describe("the import's size budget", () => {
  it("refuses past its limit with INVALID_ARGUMENT naming the field and the limit", () => {
    const budget = createImportBudget("spec", new WeakMap(), 100);
    budget.add({ a: "x".repeat(40) });
    const error = (() => {
      try {
        budget.add({ b: "secret value ".repeat(5) });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage).toBe(
      "spec: the imported commands and execution plan would be larger than 100 bytes as JSON; import a subset of the operations",
    );
    expect(createImportBudget("spec", new WeakMap(), 100).check({ a: 1 }, [2])).toBe(10);
  });

  it(`refuses a description whose commands would pass ${MAX_IMPORTED_BYTES / 2 ** 20} MiB, in the worker, and imports a subset of it`, async () => {
    // 1,000 operations that each flatten the same 2,000-property body: ~250 MB of commands.
    const document = flattened(1_000, 2_000);
    const error = await importer.parse(document, { field: "openapi_document" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage).toBe(
      `openapi_document: the imported commands and execution plan would be larger than ${MAX_IMPORTED_BYTES / 2 ** 20} MiB as JSON; import a subset of the operations`,
    );
    const subset = await importer.parse(document, { select: ["create1", "create2"] });
    expect(Object.keys(subset.configSchema.commands ?? {})).toEqual(["create1", "create2"]);
    expect(subset.configSchema.commands?.create2?.params).toHaveLength(2_000);
  }, 120_000);
});
