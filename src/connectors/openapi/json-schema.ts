/** A JSON Schema (OpenAPI Schema Object) as plain JSON data. */
export type JsonSchema = { [key: string]: unknown };

/** How deep a copied schema may nest before it is cut (guards against huge or pathological schemas). */
export const MAX_SCHEMA_DEPTH = 24;
/** Marks where a schema was cut: the value is the `$ref` (or "depth") that stopped the copy. */
export const CUT_MARK = "x-patchbay-cut";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Copies schemas out of one dereferenced document, and records why parts were cut. */
export interface SchemaCopier {
  /** A `$ref`-free tree copy of a schema (see createSchemaCopier). */
  copy(schema: unknown): unknown;
  /** Circular references cut, in the order first met. */
  readonly circular: ReadonlySet<string>;
  /** How many schema parts were cut at the depth limit. */
  readonly deep: number;
}

/** A copy already made, and what is needed to tell whether it can stand in at another depth. */
interface Copied {
  copy: Record<string, unknown>;
  depth: number;
  /** Deepest offset of an object checked against the depth limit, from the copied object. */
  height: number;
  /** Parts of the copy cut at the depth limit. */
  cuts: number;
}

/**
 * Copies schemas out of a dereferenced document as trees. The parser leaves circular references as
 * `$ref` (so the result is finite JSON); each becomes a placeholder that accepts any value and names
 * the reference. Depth is bounded by MAX_SCHEMA_DEPTH. An object in `shared` (one that `$ref`s
 * resolved to, so it may appear in many places) is copied once and that copy reused wherever it
 * would come out the same, so a schema used by hundreds of operations is not held hundreds of times;
 * the JSON of the result is what copying each use would give.
 */
export function createSchemaCopier(shared: ReadonlySet<object> = new Set()): SchemaCopier {
  const circular = new Set<string>();
  let deep = 0;
  const copies = new Map<object, Copied>();
  // Height and cuts of the value copied last: copyValue's second and third results, kept here so
  // that copying allocates nothing besides the copy. A height of -1 means no object was checked.
  let height = -1;
  let cuts = 0;

  const copyValue = (value: unknown, depth: number): unknown => {
    if (Array.isArray(value)) {
      let h = -1;
      let c = 0;
      const out = value.map((item) => {
        const copied = copyValue(item, depth + 1);
        if (height >= 0) h = Math.max(h, height + 1);
        c += cuts;
        return copied;
      });
      height = h;
      cuts = c;
      return out;
    }
    height = -1;
    cuts = 0;
    if (!isObject(value)) return value;
    const ref = value.$ref;
    if (typeof ref === "string") {
      circular.add(ref);
      return { description: `Circular reference to ${ref}; any value is accepted.`, [CUT_MARK]: ref };
    }
    if (depth > MAX_SCHEMA_DEPTH) {
      deep++;
      height = 0;
      cuts = 1;
      return { description: "Nested too deeply to copy; any value is accepted.", [CUT_MARK]: "depth" };
    }
    const known = shared.has(value) ? copies.get(value) : undefined;
    // The same depth gives the same cuts; without cuts, any depth that still cuts nothing does too.
    if (
      known !== undefined &&
      (known.depth === depth || (known.cuts === 0 && depth + known.height <= MAX_SCHEMA_DEPTH))
    ) {
      deep += known.cuts;
      height = known.height;
      cuts = known.cuts;
      return known.copy;
    }
    let h = 0;
    let c = 0;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      out[key] = copyValue(value[key], depth + 1);
      if (height >= 0) h = Math.max(h, height + 1);
      c += cuts;
    }
    if (shared.has(value)) copies.set(value, { copy: out, depth, height: h, cuts: c });
    height = h;
    cuts = c;
    return out;
  };

  return {
    copy: (schema) => copyValue(schema, 0),
    circular,
    get deep() {
      return deep;
    },
  };
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
