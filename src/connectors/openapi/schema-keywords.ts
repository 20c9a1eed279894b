/** Keywords whose value is one subschema (or, for `items` in older drafts, a list of them). */
export const ONE_SCHEMA: ReadonlySet<string> = new Set([
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
]);
/** Keywords whose value is a list of subschemas. */
export const SCHEMA_LIST: ReadonlySet<string> = new Set(["allOf", "anyOf", "oneOf", "prefixItems"]);
/** Keywords whose value maps names to subschemas (`dependencies`: to a subschema or a list of names). */
export const SCHEMA_MAP: ReadonlySet<string> = new Set([
  "properties",
  "dependencies",
  "patternProperties",
  "$defs",
  "definitions",
  "dependentSchemas",
]);
/**
 * Identifiers and dynamic references: a plan's schemas point at each other only through its own table
 * (`#/schemas/<name>`), so an `$id` would only collide in Ajv's registry and a `$dynamicRef` could
 * never resolve.
 */
export const IDENTIFIERS: ReadonlySet<string> = new Set([
  "$schema",
  "$id",
  "$anchor",
  "$dynamicAnchor",
  "$dynamicRef",
  "$recursiveAnchor",
  "$recursiveRef",
]);
/**
 * Annotations a plan does not keep: validation ignores them, and in published descriptions they are
 * most of a schema's bytes (in DocuSign's component schemas, 69 %). The catalog's fields are made from the
 * document's own schemas, descriptions included, before this.
 */
export const ANNOTATIONS: ReadonlySet<string> = new Set([
  "title",
  "description",
  "$comment",
  "example",
  "examples",
  "externalDocs",
  "xml",
  "discriminator",
  "deprecated",
]);
