import { validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";
import { measureExpansion, PATH_CHARS_PER_VALUE } from "../../../src/connectors/openapi/measure-expansion.ts";
import { fixture, PUBLISHED, publishedFixture } from "./fixtures.ts";

const ref = (name: string, beside: object = {}) => ({ $ref: `#/components/schemas/${name}`, ...beside });

/** A one-operation 3.0 description sending `S0`. */
function described(schemas: Record<string, unknown>): Record<string, unknown> {
  return {
    openapi: "3.0.3",
    info: { title: "x", version: "1.0.0" },
    paths: {
      "/a": {
        post: {
          operationId: "a",
          requestBody: { content: { "application/json": { schema: ref("S0") } } },
          responses: { "200": { description: "ok" } },
        },
      },
    },
    components: { schemas },
  };
}

/** S0 … S`depth`, each using the next twice (`beside`: members next to each `$ref`); S`depth` is `last`. */
function fanOut(depth: number, beside: object = {}, last: object = { type: "string" }) {
  const schemas: Record<string, unknown> = {};
  for (let i = 0; i < depth; i++)
    schemas[`S${i}`] = {
      type: "object",
      properties: { l: ref(`S${i + 1}`, beside), r: ref(`S${i + 1}`, beside) },
    };
  schemas[`S${depth}`] = last;
  return described(schemas);
}

/** The work counted by walking a value as it is: its values, and its objects' paths per 1,000 characters. */
function walked(root: unknown): number {
  let values = 0;
  let chars = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [value, length] = entry;
    values++;
    if (typeof value !== "object" || value === null) continue;
    chars += length;
    for (const [key, item] of Object.entries(value)) stack.push([item, length + 1 + key.length]);
  }
  return values + chars / PATH_CHARS_PER_VALUE;
}

/** The description as @readme/openapi-parser's validate() leaves it: dereferenced, in place. */
async function dereferenced(document: object): Promise<object> {
  const copy = structuredClone(document);
  await validate(
    copy as never,
    {
      resolve: { external: false, file: false },
      dereference: { circular: "ignore" },
    } as never,
  );
  return copy;
}

describe("measureExpansion", () => {
  it("counts what the validator walks: the dereferenced description, each schema once per place it is used", async () => {
    const exact = {
      petstore: JSON.parse(fixture("@readme/oas-examples/3.0/json/petstore.json")),
      "fan-out": fanOut(8),
    };
    for (const [name, document] of Object.entries(exact)) {
      const expected = walked(await dereferenced(document));
      expect([name, measureExpansion(document, Number.POSITIVE_INFINITY)]).toEqual([name, expected]);
      expect(expected).toBeGreaterThan(walked(document));
    }
    // A `$ref` with members beside it becomes its target's members and its own: counted as both, when
    // the parser lets a member beside it replace the target's of the same name.
    const merged = {
      wallet: JSON.parse(publishedFixture(PUBLISHED.walletobjects)),
      "fan-out, $refs with a description": fanOut(6, { description: "half" }),
    };
    for (const document of Object.values(merged)) {
      const expected = walked(await dereferenced(document));
      const work = measureExpansion(document, Number.POSITIVE_INFINITY);
      expect(work).toBeGreaterThanOrEqual(expected);
      expect(work).toBeLessThan(1.02 * expected);
    }
  });

  it("measures 2^40 schemas from a few KB without expanding them, and stops once past the limit", () => {
    const document = fanOut(40);
    expect(JSON.stringify(document).length).toBeLessThan(6_000);
    expect(measureExpansion(document, Number.POSITIVE_INFINITY)).toBeGreaterThan(2 ** 41);
    const stopped = measureExpansion(document, 1_000_000);
    expect(stopped).toBeGreaterThan(1_000_000);
    expect(stopped).toBeLessThan(2 ** 41);
  });

  it("counts a $ref the parser keeps, its target leading back to itself, as one object", async () => {
    // S0 … S40 use the next twice, and S40 uses S0: every `$ref` leads back, and stays a `$ref`.
    const document = fanOut(40, {}, { type: "object", properties: { back: ref("S0") } });
    const work = measureExpansion(document, Number.POSITIVE_INFINITY);
    expect(work).toBeGreaterThanOrEqual(walked(await dereferenced(document)));
    expect(work).toBeLessThan(2 * walked(document));
  });

  it("counts every path the parser explores through $refs with members beside them that lead back", () => {
    // The parser merges such a `$ref` into a new object at each use and walks it again, following the
    // next ones in turn until it comes back to a schema on its way: 2^40 walks, though it keeps them all.
    const document = fanOut(
      40,
      { description: "again" },
      { type: "object", properties: { back: ref("S0") } },
    );
    expect(measureExpansion(document, 50_000_000)).toBeGreaterThan(50_000_000);
    // The same with plain `$ref`s is resolved once each: linear.
    const plain = fanOut(40, {}, { type: "object", properties: { back: ref("S0") } });
    expect(measureExpansion(plain, 50_000_000)).toBeLessThan(2 * walked(plain));
  });

  it("cannot measure a pointer through more than 8 other $refs", () => {
    const schemas: Record<string, unknown> = { S0: ref("R0/properties/x") };
    for (let i = 0; i < 9; i++) schemas[`R${i}`] = ref(`R${i + 1}`);
    schemas.R9 = { type: "object", properties: { x: { type: "string" } } };
    expect(measureExpansion(described(schemas), Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    schemas.S0 = ref("R2/properties/x");
    expect(measureExpansion(described(schemas), Number.POSITIVE_INFINITY)).toBeLessThan(1_000);
  });
});
