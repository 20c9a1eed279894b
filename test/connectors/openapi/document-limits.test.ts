import { Code } from "@connectrpc/connect";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError, loadConfig } from "../../../src/config.ts";
import {
  DOCUMENT_LIMITS,
  type DocumentLimits,
  MAX_DOCUMENT_BYTES,
} from "../../../src/connectors/openapi/index.ts";
import { measureExpansion } from "../../../src/connectors/openapi/measure-expansion.ts";
import { parseOpenApi } from "../../../src/connectors/openapi/parse-openapi.ts";
import { fixture } from "./fixtures.ts";

const PETSTORE = fixture("@readme/oas-examples/3.0/json/petstore.json");

/** The objects and arrays of a JSON value and its `$ref`s, counted as the import counts them. */
function counts(value: unknown): { nodes: number; refs: number } {
  let nodes = 0;
  let refs = 0;
  const stack = [value];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (typeof item !== "object" || item === null) continue;
    nodes++;
    for (const [key, child] of Object.entries(item)) {
      if (key === "$ref" && typeof child === "string") refs++;
      stack.push(child);
    }
  }
  return { nodes, refs };
}

const limits = (change: Partial<DocumentLimits>): DocumentLimits => ({ ...DOCUMENT_LIMITS, ...change });

// Item 20: whether a description is accepted is decided by counted work, never by the time it takes.
describe("an import's work limits (item 20)", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const { nodes, refs } = counts(JSON.parse(PETSTORE));

  it("accepts a description with exactly the node limit and refuses it one node lower", async () => {
    await expect(parseOpenApi(PETSTORE, { limits: limits({ nodes }) })).resolves.toHaveProperty("name");
    await expect(parseOpenApi(PETSTORE, { limits: limits({ nodes: nodes - 1 }) })).rejects.toThrow(
      `more than ${nodes - 1} objects and arrays`,
    );
  });

  it("accepts a description with exactly the $ref limit and refuses it one $ref lower", async () => {
    expect(refs).toBeGreaterThan(0);
    await expect(parseOpenApi(PETSTORE, { limits: limits({ refs }) })).resolves.toHaveProperty("name");
    await expect(parseOpenApi(PETSTORE, { limits: limits({ refs: refs - 1 }) })).rejects.toThrow(
      `more than ${refs - 1} $refs`,
    );
  });

  it("accepts a description with exactly its expansion as the limit and refuses it one value lower", async () => {
    const work = measureExpansion(JSON.parse(PETSTORE), Number.POSITIVE_INFINITY);
    await expect(parseOpenApi(PETSTORE, { limits: limits({ expansion: work }) })).resolves.toHaveProperty(
      "name",
    );
    await expect(parseOpenApi(PETSTORE, { limits: limits({ expansion: work - 1 }) })).rejects.toMatchObject({
      code: Code.InvalidArgument,
    });
  });

  it("refuses schemas that each use the next twice before validating them, naming why", async () => {
    const schemas: Record<string, unknown> = { S17: { type: "string" } };
    for (let i = 0; i < 17; i++) {
      const next = { $ref: `#/components/schemas/S${i + 1}`, description: "next" };
      schemas[`S${i}`] = { type: "object", properties: { l: next, r: next } };
    }
    const document = JSON.stringify({
      ...JSON.parse(PETSTORE),
      components: { schemas },
      paths: {
        "/a": {
          post: {
            requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/S0" } } } },
            responses: { 200: { description: "ok" } },
          },
        },
      },
    });
    // 2^17 schemas once dereferenced: a few seconds of validation, refused before it starts.
    await expect(
      parseOpenApi(document, { field: "spec", limits: limits({ expansion: 1_000_000 }) }),
    ).rejects.toThrow(
      "spec: the description is too large once its $refs are resolved: validating it would walk more than 1,000,000 values (a schema counts once for each place it is used); import a smaller description, or one whose schemas reuse each other less",
    );
  });

  it("accepts the same description when every clock reading is an hour after the last", async () => {
    let now = Date.now();
    vi.spyOn(Date, "now").mockImplementation(() => (now += 3_600_000));
    vi.spyOn(performance, "now").mockImplementation(() => (now += 3_600_000));
    const expansion = measureExpansion(JSON.parse(PETSTORE), Number.POSITIVE_INFINITY);
    const draft = await parseOpenApi(PETSTORE, { limits: limits({ nodes, refs, expansion }) });
    expect(draft.operations).toHaveLength(20);
  });
});

describe("PATCHBAY_MAX_OPENAPI_BYTES", () => {
  it("goes up to the import's own size limit, and no further", () => {
    const read = (value: number) => loadConfig({ PATCHBAY_MAX_OPENAPI_BYTES: String(value) }, false);
    expect(read(MAX_DOCUMENT_BYTES).maxOpenApiBytes).toBe(MAX_DOCUMENT_BYTES);
    expect(() => read(MAX_DOCUMENT_BYTES + 1)).toThrow(ConfigError);
  });
});
