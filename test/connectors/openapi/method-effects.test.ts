import { describe, expect, it } from "vitest";
import { effectsConflict } from "../../../src/connectors/index.ts";
import { METHOD_EFFECTS } from "../../../src/connectors/openapi/method-effects.ts";
import { parseOpenApi } from "../../../src/connectors/openapi/parse-openapi.ts";

const METHODS = ["get", "head", "options", "trace", "put", "delete", "post", "patch"] as const;

/** One operation per method on one path, each answering 204. */
const DOCUMENT = {
  openapi: "3.0.3",
  info: { title: "Methods API", version: "1.0.0" },
  servers: [{ url: "https://api.example.com" }],
  paths: {
    "/things/{id}": {
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
      ...Object.fromEntries(
        METHODS.map((method) => [
          method,
          { operationId: `${method}Thing`, responses: { 204: { description: "Done." } } },
        ]),
      ),
    },
  },
};

describe("effect hints of OpenAPI-derived commands (RFC 9110 method semantics)", () => {
  it.each([
    ["get", { readOnly: true, idempotent: true }],
    ["head", { readOnly: true, idempotent: true }],
    ["options", { readOnly: true, idempotent: true }],
    ["trace", { readOnly: true, idempotent: true }],
    ["put", { readOnly: false, idempotent: true }],
    ["delete", { readOnly: false, destructive: true, idempotent: true }],
    ["post", {}],
    ["patch", {}],
  ] as const)("a %s operation's command declares %o and nothing else", async (method, hints) => {
    const draft = await parseOpenApi(DOCUMENT);
    const command = draft.configSchema.commands?.[`${method}Thing`];
    expect(command).toBeDefined();
    expect({
      ...(command?.readOnly !== undefined ? { readOnly: command.readOnly } : {}),
      ...(command?.destructive !== undefined ? { destructive: command.destructive } : {}),
      ...(command?.idempotent !== undefined ? { idempotent: command.idempotent } : {}),
    }).toEqual(hints);
  });

  it("has a row for every method the importer reads, none contradicting read_only", () => {
    expect(Object.keys(METHOD_EFFECTS).sort()).toEqual([...METHODS].sort());
    for (const hints of Object.values(METHOD_EFFECTS)) expect(effectsConflict(hints)).toBeUndefined();
  });
});
