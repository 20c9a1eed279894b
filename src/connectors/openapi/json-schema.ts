/** A JSON Schema (OpenAPI Schema Object) as plain JSON data. */
export type JsonSchema = { [key: string]: unknown };

/** How deep a copied schema may nest before it is cut (guards against huge or pathological schemas). */
export const MAX_SCHEMA_DEPTH = 24;
/** Marks where a schema was cut: the value is the `$ref` (or "depth") that stopped the copy. */
export const CUT_MARK = "x-patchbay-cut";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Records why schemas were cut, so the import reports each reference once. */
export interface CutLog {
  circular: Set<string>;
  deep: number;
}

/**
 * A `$ref`-free tree copy of a dereferenced schema. The parser leaves circular references as `$ref`
 * (so the result is finite JSON); each becomes a placeholder that accepts any value and names the
 * reference. Sharing in the dereferenced graph is copied, so depth is bounded by MAX_SCHEMA_DEPTH.
 */
export function copySchema(value: unknown, log: CutLog, depth = 0): unknown {
  if (Array.isArray(value)) return value.map((item) => copySchema(item, log, depth + 1));
  if (!isObject(value)) return value;
  const ref = value.$ref;
  if (typeof ref === "string") {
    log.circular.add(ref);
    return { description: `Circular reference to ${ref}; any value is accepted.`, [CUT_MARK]: ref };
  }
  if (depth > MAX_SCHEMA_DEPTH) {
    log.deep++;
    return { description: "Nested too deeply to copy; any value is accepted.", [CUT_MARK]: "depth" };
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = copySchema(item, log, depth + 1);
  return out;
}

/** Top-level properties of an object schema, `allOf` members merged (the usual composition). */
export function objectProperties(
  schema: JsonSchema,
): { properties: Record<string, JsonSchema>; required: Set<string> } | null {
  const properties: Record<string, JsonSchema> = {};
  const required = new Set<string>();
  let found = false;
  const visit = (s: JsonSchema, depth: number): void => {
    if (depth > 8) return;
    if (isObject(s.properties)) {
      found = true;
      for (const [key, prop] of Object.entries(s.properties)) if (isObject(prop)) properties[key] = prop;
    }
    if (Array.isArray(s.required))
      for (const key of s.required) if (typeof key === "string") required.add(key);
    if (Array.isArray(s.allOf)) for (const member of s.allOf) if (isObject(member)) visit(member, depth + 1);
  };
  visit(schema, 0);
  return found ? { properties, required } : null;
}

/** The JSON Schema type, ignoring "null" in a 3.1 type list. */
export function schemaType(schema: JsonSchema): string | undefined {
  if (typeof schema.type === "string") return schema.type;
  if (Array.isArray(schema.type))
    return schema.type.find((t): t is string => typeof t === "string" && t !== "null");
  return undefined;
}

export { isObject };
