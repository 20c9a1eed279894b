import { type JsonLengthMemo, jsonLength } from "./json-length.ts";
import { isObject, type JsonSchema } from "./json-schema.ts";
import { PLAN_REF_PREFIX } from "./openapi-plan.ts";
import { decodePointerToken, planSchemaName } from "./plan-schema-name.ts";
import { MAX_REF_HOPS } from "./ref-regions.ts";
import { ANNOTATIONS, IDENTIFIERS, ONE_SCHEMA, SCHEMA_LIST, SCHEMA_MAP } from "./schema-keywords.ts";

/** How deep one schema may nest inline (between `$ref`s) before it is cut. */
export const MAX_SCHEMA_DEPTH = 24;
/** Marks where a schema was cut: the value is the `$ref` (or "depth") that stopped the copy. */
export const CUT_MARK = "x-patchbay-cut";
/** A schema met again in another place is stored once only above this many bytes of JSON. */
const PROMOTE_BYTES = 96;

/** Options of {@link createSchemaTable}. */
export interface SchemaTableOptions {
  /** Lengths measured so far (shared with the import's budget). */
  memo?: JsonLengthMemo;
  /** Told of each finished entry of `schemas`, as it is made (the import counts its size). */
  onEntry?: (schema: JsonSchema) => void;
}

/** Builds the plan's schemas out of one dereferenced document, shared ones once. */
export interface SchemaTable {
  /**
   * The plan form of a param's or body property's schema: a `{"$ref": "#/schemas/<name>"}` when the
   * schema is shared, else a copy whose shared parts are such references. `hint` names a table entry
   * made for an inline schema met a second time.
   */
  copy(schema: unknown, hint: string): JsonSchema;
  /** The schema a `$ref` the parser left (a circular one) stands for; any other value as it is. */
  resolve(schema: unknown): unknown;
  /** Shared schemas by name, in the order first met. */
  readonly schemas: Record<string, JsonSchema>;
  /** References that could not be resolved (cut: any value accepted there), in the order met. */
  readonly unresolved: ReadonlySet<string>;
  /** Schema parts cut at the depth limit. */
  readonly deep: number;
}

const kept = (key: string): boolean =>
  !ANNOTATIONS.has(key) && !IDENTIFIERS.has(key) && !key.startsWith("x-");

/** Whether two schemas hold the same keywords a plan keeps, with identical values. */
function sameChecks(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  if (a === b) return true;
  for (const key of Object.keys(a)) if (kept(key) && a[key] !== b[key]) return false;
  for (const key of Object.keys(b)) if (kept(key) && !Object.hasOwn(a, key)) return false;
  return true;
}

/**
 * Plan schemas that point at shared ones instead of repeating them. The parser replaced each `$ref` by
 * the object it resolves to (`refTargets`: that object → the `$ref` text), so a schema used by
 * hundreds of operations is one object met hundreds of times; circular references it left as `$ref`,
 * resolved here against the document. Every such target becomes one entry of `schemas`, named after
 * its component (`#/components/schemas/Pet` → `Pet`), and every use a `{"$ref": "#/schemas/Pet"}`:
 * the plan's JSON stays of the order of the document's, and recursive schemas stay recursive instead
 * of being cut. An inline schema met again in another place (a shared parameter's, the properties of a
 * body schema several operations send) becomes an entry at its second use. Annotations, identifiers and
 * `x-` extensions are left out (see schema-keywords.ts); inline nesting deeper than MAX_SCHEMA_DEPTH,
 * and references that resolve to nothing, are cut with a placeholder that accepts any value.
 */
export function createSchemaTable(
  document: Record<string, unknown>,
  refTargets: ReadonlyMap<object, string>,
  options: SchemaTableOptions = {},
): SchemaTable {
  const memo = options.memo ?? new WeakMap();
  const onEntry = options.onEntry ?? (() => undefined);
  const schemas: Record<string, JsonSchema> = {};
  const names = new Map<object, string>();
  const pointers = new Map<string, JsonSchema>();
  const unresolved = new Set<string>();
  const pending: Array<[object, string]> = [];
  const roots = new Map<object, JsonSchema>();
  let deep = 0;

  const cut = (reason: string, description: string): JsonSchema => ({ description, [CUT_MARK]: reason });

  /**
   * A `$ref` the parser left: the object it points at in the (dereferenced) document, if any. `seen`
   * holds the references already followed on the way, shared by every hop: `$ref`s that only point at
   * each other (A → B → A) resolve to nothing instead of following each other forever.
   */
  const target = (ref: string, seen = new Set<string>()): Record<string, unknown> | undefined => {
    const path = ref.replace(/^#\/?/, "");
    if (path === "") return undefined; // the whole document is no schema
    let node: unknown = document;
    seen.add(ref);
    for (const token of path.split("/")) {
      node =
        Array.isArray(node) || isObject(node)
          ? (node as Record<string, unknown>)[decodePointerToken(token)]
          : undefined;
      // A pointer through another reference the parser left follows it (a few hops at most).
      while (
        isObject(node) &&
        typeof node.$ref === "string" &&
        !seen.has(node.$ref) &&
        seen.size < MAX_REF_HOPS
      ) {
        node = target(node.$ref, seen);
      }
    }
    return isObject(node) && typeof node.$ref !== "string" ? node : undefined;
  };

  /**
   * The entry of `object` in `schemas`, named after `ref` when it is new; built later by drain(), or
   * `built` already.
   */
  const claim = (object: object, ref: string, built?: JsonSchema): string => {
    const known = names.get(object);
    if (known !== undefined) return known;
    const wanted = planSchemaName(ref);
    let name = wanted;
    for (let n = 2; Object.hasOwn(schemas, name); n++) name = `${wanted}-${n}`;
    names.set(object, name);
    if (built === undefined) {
      schemas[name] = {}; // keeps first-met order; filled by drain()
      pending.push([object, name]);
    } else {
      schemas[name] = built;
      onEntry(built);
    }
    return name;
  };

  /** `{"$ref": "#/schemas/<name>"}`, one object per name. */
  const pointer = (name: string): JsonSchema => {
    let made = pointers.get(name);
    if (made === undefined) {
      made = { $ref: `${PLAN_REF_PREFIX}${name}` };
      pointers.set(name, made);
    }
    return made;
  };

  /** A shared schema's pointer, a circular `$ref`'s pointer (or cut), or undefined for an inline one. */
  const shared = (value: Record<string, unknown>): JsonSchema | undefined => {
    if (typeof value.$ref === "string") {
      const found = target(value.$ref);
      if (found !== undefined) return pointer(claim(found, value.$ref));
      unresolved.add(value.$ref);
      return cut(value.$ref, `Unresolved reference ${value.$ref.slice(0, 200)}; any value is accepted.`);
    }
    const known = names.get(value);
    if (known !== undefined) return pointer(known);
    const ref = refTargets.get(value);
    if (ref === undefined) return undefined;
    // A `$ref` with siblings (`{"$ref": …, "description": …}`) resolved to a merged copy of its target:
    // when only annotations differ, that copy validates like the target and points at its entry.
    const canonical = target(ref);
    return pointer(claim(canonical !== undefined && sameChecks(value, canonical) ? canonical : value, ref));
  };

  const copyNode = (value: unknown, depth: number): unknown => {
    if (Array.isArray(value)) return value.map((item) => copyNode(item, depth + 1));
    if (!isObject(value)) return value;
    const ref = shared(value);
    if (ref !== undefined) return ref;
    if (depth > MAX_SCHEMA_DEPTH) {
      deep++;
      return cut("depth", "Nested too deeply to copy; any value is accepted.");
    }
    return copyInline(value, depth);
  };

  const copyInline = (value: Record<string, unknown>, depth: number): JsonSchema => {
    const out: JsonSchema = {};
    for (const key of Object.keys(value)) {
      if (!kept(key)) continue;
      const item = value[key];
      if (ONE_SCHEMA.has(key) || SCHEMA_LIST.has(key)) out[key] = copyNode(item, depth + 1);
      else if (SCHEMA_MAP.has(key) && isObject(item)) {
        const map: Record<string, unknown> = {};
        for (const name of Object.keys(item)) map[name] = copyNode(item[name], depth + 1);
        out[key] = map;
      } else out[key] = item; // a value (type, enum, default, pattern, ...): kept as the document has it
    }
    return out;
  };

  /** Entries named while copying are built here, one after another: no recursion from one to the next. */
  const drain = (): void => {
    for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
      const [object, name] = next;
      const entry = copyInline(object as Record<string, unknown>, 0);
      schemas[name] = entry;
      onEntry(entry);
    }
  };

  return {
    copy(schema, hint) {
      if (!isObject(schema)) return {};
      let result = shared(schema);
      if (result === undefined) {
        const before = roots.get(schema);
        if (before === undefined) {
          result = copyInline(schema, 0);
          roots.set(schema, result);
        } else if (jsonLength(before, memo) <= PROMOTE_BYTES) {
          result = before;
        } else {
          // Its first use keeps the inline copy; this and later uses point at one entry.
          result = pointer(claim(schema, `#/${hint}`, before));
        }
      }
      drain();
      return result;
    },
    resolve(schema) {
      if (!isObject(schema) || typeof schema.$ref !== "string") return schema;
      return target(schema.$ref) ?? schema;
    },
    schemas,
    unresolved,
    get deep() {
      return deep;
    },
  };
}
