import { isObject, type JsonSchema } from "./json-schema.ts";

/** Keywords whose value is one subschema. */
const ONE = [
  "items",
  "additionalItems",
  "additionalProperties",
  "not",
  "if",
  "then",
  "else",
  "contains",
  "propertyNames",
  "unevaluatedItems",
  "unevaluatedProperties",
  "contentSchema",
];
/** Keywords whose value is a list of subschemas. */
const LIST = ["allOf", "anyOf", "oneOf", "prefixItems"];
/** Keywords whose value maps names to subschemas. */
const MAP = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];
/**
 * Identifiers and dynamic references: the plan's schemas are `$ref`-free copies, so an `$id` would only
 * collide in Ajv's registry and a `$dynamicRef` could never resolve.
 */
const DROPPED = new Set([
  "$schema",
  "$id",
  "$anchor",
  "$dynamicAnchor",
  "$dynamicRef",
  "$recursiveAnchor",
  "$recursiveRef",
]);

/**
 * A plan schema as JSON Schema 2020-12 for Ajv. OpenAPI 3.1 schemas already are; OpenAPI 3.0 ones get
 * `nullable` (a null type, or an `anyOf` with null when there is no `type`) and boolean
 * `exclusiveMinimum`/`exclusiveMaximum` (draft 4 style) rewritten. Only schema positions are walked, so
 * a property named `nullable` or an `enum` value stays as it is.
 */
export function toAjvSchema(schema: unknown, depth = 0): unknown {
  if (!isObject(schema)) return schema;
  if (depth > 64) return {};
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key)) continue;
    if (ONE.includes(key))
      out[key] = Array.isArray(value)
        ? value.map((s) => toAjvSchema(s, depth + 1))
        : toAjvSchema(value, depth + 1);
    else if (LIST.includes(key) && Array.isArray(value))
      out[key] = value.map((s) => toAjvSchema(s, depth + 1));
    else if (MAP.includes(key) && isObject(value))
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
