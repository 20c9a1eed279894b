import { isObject, type JsonSchema } from "./json-schema.ts";
import { PLAN_REF_PREFIX } from "./openapi-plan.ts";
import { IDENTIFIERS, ONE_SCHEMA, SCHEMA_LIST, SCHEMA_MAP } from "./schema-keywords.ts";

/** Where a validator finds the plan's shared schema `name` (see validate-params.ts). */
export function planSchemaId(name: string): string {
  return `https://plan.patchbay.invalid/schemas/${name}`;
}

/**
 * A plan schema as JSON Schema 2020-12 for Ajv. OpenAPI 3.1 schemas already are; OpenAPI 3.0 ones get
 * `nullable` (a null type, or an `anyOf` with null when there is no `type`) and boolean
 * `exclusiveMinimum`/`exclusiveMaximum` (draft 4 style) rewritten. A pointer into the plan's shared
 * schemas (`#/schemas/<name>`) becomes that schema's validator id; any other `$ref` is dropped (a plan
 * has none). Only schema positions are walked, so a property named `nullable` or an `enum` value stays
 * as it is.
 */
export function toAjvSchema(schema: unknown, depth = 0): unknown {
  if (!isObject(schema)) return schema;
  if (depth > 64) return {};
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (IDENTIFIERS.has(key)) continue;
    if (key === "$ref") {
      if (typeof value === "string" && value.startsWith(PLAN_REF_PREFIX))
        out.$ref = planSchemaId(value.slice(PLAN_REF_PREFIX.length));
    } else if (ONE_SCHEMA.has(key))
      out[key] = Array.isArray(value)
        ? value.map((s) => toAjvSchema(s, depth + 1))
        : toAjvSchema(value, depth + 1);
    else if (SCHEMA_LIST.has(key) && Array.isArray(value))
      out[key] = value.map((s) => toAjvSchema(s, depth + 1));
    else if (SCHEMA_MAP.has(key) && isObject(value))
      out[key] = Object.fromEntries(Object.entries(value).map(([k, s]) => [k, toAjvSchema(s, depth + 1)]));
    else out[key] = value;
  }
  for (const bound of ["Minimum", "Maximum"] as const) {
    const exclusive = `exclusive${bound}`;
    const limit = bound.toLowerCase();
    if (typeof out[exclusive] !== "boolean") continue;
    if (out[exclusive] === true && typeof out[limit] === "number") {
      out[exclusive] = out[limit];
      delete out[limit];
    } else delete out[exclusive];
  }
  const nullable = out.nullable === true;
  delete out.nullable;
  if (!nullable) return out;
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  if (typeof out.type === "string") out.type = [out.type, "null"];
  else if (Array.isArray(out.type)) out.type = out.type.includes("null") ? out.type : [...out.type, "null"];
  else return { anyOf: [{ type: "null" }, out] };
  return out;
}
