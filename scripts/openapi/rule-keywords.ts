import { type DescField, type DescOneof, getOption, hasOption, ScalarType } from "@bufbuild/protobuf";
import type { Rules } from "../../gen/patchbay/v1/common_pb.ts";
import type { DeclaredOptions } from "./declared-options.ts";
import type { JsonObject } from "./json.ts";

function rulesOf(declared: DeclaredOptions, field: DescField): Rules | undefined {
  const { rules } = declared;
  return rules !== undefined && hasOption(field, rules) ? getOption(field, rules) : undefined;
}

/**
 * Whether the field must be present in a request's JSON: `(patchbay.v1.rules).required`, or a minimum
 * length (proto3 JSON leaves an empty string out, so a string that must not be empty must be there).
 * Never a oneof member: which member is set is the oneof's rule ({@link isRequiredOneof}).
 */
export function isRequiredField(options: DeclaredOptions, field: DescField): boolean {
  if (field.oneof !== undefined) return false;
  const declared = rulesOf(options, field);
  return declared !== undefined && (declared.required || declared.minLen > 0);
}

/** Whether a request must set one member of the oneof (`(patchbay.v1.oneof_required)`). */
export function isRequiredOneof(options: DeclaredOptions, oneof: DescOneof): boolean {
  const { oneofRequired } = options;
  return oneofRequired !== undefined && getOption(oneof, oneofRequired);
}

// Keywords of one value: a string's length, format, closed set and pattern, a number's range.
function valueKeywords(declared: Rules, scalar: ScalarType): JsonObject {
  const keywords: JsonObject = {};
  if (scalar === ScalarType.STRING) {
    if (declared.minLen > 0) keywords.minLength = declared.minLen;
    if (declared.maxLen > 0) keywords.maxLength = declared.maxLen;
    if (declared.uuid) keywords.format = "uuid";
    if (declared.in.length > 0) keywords.enum = [...declared.in];
    if (declared.pattern !== "") keywords.pattern = declared.pattern;
    return keywords;
  }
  if (scalar === ScalarType.BOOL || scalar === ScalarType.BYTES) return keywords;
  if (declared.min !== undefined) keywords.minimum = declared.min;
  if (declared.max !== undefined) keywords.maximum = declared.max;
  return keywords;
}

/**
 * Adds a field's declared rules to its JSON Schema, as the edge enforces them: `minLength`,
 * `maxLength`, `format: uuid`, `enum`, `pattern`, `minimum`, `maximum` on the value (on `items` for a repeated
 * field), and `minItems`/`minProperties` for a required repeated or map field. Presence (`required`)
 * belongs to the enclosing object and is {@link isRequiredField}'s.
 */
export function withRuleKeywords(options: DeclaredOptions, field: DescField, schema: JsonObject): JsonObject {
  const declared = rulesOf(options, field);
  if (declared === undefined) return schema;
  if (field.fieldKind === "scalar") return { ...schema, ...valueKeywords(declared, field.scalar) };
  if (field.fieldKind === "list") {
    const items = schema.items;
    const withItems =
      field.listKind === "scalar" && typeof items === "object" && items !== null && !Array.isArray(items)
        ? { ...schema, items: { ...items, ...valueKeywords(declared, field.scalar) } }
        : schema;
    return declared.required ? { ...withItems, minItems: 1 } : withItems;
  }
  if (field.fieldKind === "map" && declared.required) return { ...schema, minProperties: 1 };
  return schema;
}
