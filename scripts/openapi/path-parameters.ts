import type { DescField, DescMessage } from "@bufbuild/protobuf";
import type { HttpBinding } from "../../src/server/rest/http-rules.ts";
import type { JsonObject } from "./json.ts";
import type { SchemaBuilder } from "./schema-builder.ts";

/** The OpenAPI path of a binding, its path parameters, and the request fields the path sets. */
export interface OpenApiPath {
  /** e.g. "/api/v1/connections/{id}" or "/api/v1/jobs/{job_id}:ack". */
  readonly path: string;
  readonly parameters: JsonObject[];
  /** Proto field paths bound by the template (["id"], ["book", "name"]); they are not query params. */
  readonly boundFields: readonly (readonly string[])[];
}

/**
 * Resolves a template field path against the request message, by proto name first and JSON name second
 * (google/api/http.proto allows either). Throws for a path that names no singular field.
 */
export function resolveFieldPath(message: DescMessage, fieldPath: readonly string[]): DescField[] {
  const chain: DescField[] = [];
  let current: DescMessage | undefined = message;
  for (const name of fieldPath) {
    const field: DescField | undefined =
      current?.fields.find((f) => f.name === name) ?? current?.fields.find((f) => f.jsonName === name);
    if (field === undefined) throw new Error(`${message.typeName} has no field ${fieldPath.join(".")}`);
    chain.push(field);
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return chain;
}

/**
 * Builds the OpenAPI path of a binding. `{field}` stays as is; a multi-segment variable such as
 * `{name=shelves/*}` expands grpc-gateway-openapiv3 style to `shelves/{name}` (more wildcards give
 * `{name_1}`, `{name_2}`…), so clients fill in segments while the field receives the whole matched text.
 * A custom verb is appended literally (`/api/v1/jobs:claim`).
 */
export function openApiPath(binding: HttpBinding, schemas: SchemaBuilder): OpenApiPath {
  const { template } = binding;
  const parts: string[] = [];
  const parameters: JsonObject[] = [];
  const boundFields: string[][] = [];
  let unbound = 0;
  for (let i = 0; i < template.segments.length; i++) {
    const variable = template.variables.find((v) => v.start === i);
    if (variable === undefined) {
      const segment = template.segments[i];
      if (segment?.kind === "literal") {
        parts.push(segment.value);
      } else {
        // A wildcard outside any variable matches text that reaches no field.
        const name = `wildcard_${unbound++}`;
        parts.push(`{${name}}`);
        parameters.push({
          name,
          in: "path",
          required: true,
          description:
            segment?.kind === "deep" ? "Any path (may contain `/`); not bound to a field." : "Any segment.",
          schema: { type: "string" },
        });
      }
      continue;
    }
    const name = variable.fieldPath.join(".");
    const chain = resolveFieldPath(binding.method.input, variable.fieldPath);
    const field = chain[chain.length - 1];
    if (field === undefined) throw new Error(`empty field path in ${template.source}`);
    boundFields.push(chain.map((f) => f.name));
    if (!variable.multiSegment) {
      parts.push(`{${name}}`);
      parameters.push({ name, in: "path", required: true, ...pathSchema(field, schemas) });
      continue;
    }
    const pattern = template.segments.slice(variable.start, variable.end);
    const patternText = pattern.map((s) =>
      s.kind === "literal" ? s.value : s.kind === "wildcard" ? "*" : "**",
    );
    let wildcard = 0;
    for (const segment of pattern) {
      if (segment.kind === "literal") {
        parts.push(segment.value);
        continue;
      }
      const parameter = wildcard === 0 ? name : `${name}_${wildcard}`;
      wildcard += 1;
      parts.push(`{${parameter}}`);
      const deep = segment.kind === "deep" ? " It may span several segments (`/` stays literal)." : "";
      const { description } = pathSchema(field, schemas);
      parameters.push({
        name: parameter,
        in: "path",
        required: true,
        description:
          `${description === undefined ? "" : `${description}\n\n`}` +
          `Part of \`${name}\`, which receives the whole matched text \`${patternText.join("/")}\`.${deep}`,
        schema: { type: "string" },
      });
    }
    i = variable.end - 1;
  }
  const verb = template.verb === undefined ? "" : `:${template.verb}`;
  return { path: `/${parts.join("/")}${verb}`, parameters, boundFields };
}

function pathSchema(field: DescField, schemas: SchemaBuilder): { description?: string; schema: JsonObject } {
  const { description, ...schema } = schemas.fieldSchema(field);
  return typeof description === "string" ? { description, schema } : { schema };
}
