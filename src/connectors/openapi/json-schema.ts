/** A JSON Schema (OpenAPI Schema Object) as plain JSON data. */
export type JsonSchema = { [key: string]: unknown };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Top-level properties of an object schema, `allOf` members merged (the usual composition). `resolve`
 * turns a `$ref` the parser left (a circular one) into the schema it stands for.
 */
export function objectProperties(
  schema: JsonSchema,
  resolve: (schema: unknown) => unknown = (s) => s,
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
    if (Array.isArray(s.allOf))
      for (const member of s.allOf) {
        const resolved = resolve(member);
        if (isObject(resolved)) visit(resolved, depth + 1);
      }
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
