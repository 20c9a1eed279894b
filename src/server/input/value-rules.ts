import { type DescField, ScalarType } from "@bufbuild/protobuf";
import type { Rules } from "../../../gen/patchbay/v1/common_pb.ts";
import { isUuid } from "../../protocol/is-uuid.ts";

/** A rule one value breaks: the rest of the sentence after the field's path, and the rule's name. */
export interface Broken {
  readonly text: string;
  readonly reason: string;
}

/** Checks one value of a field: a string (or one item of a repeated string), or a number. */
export type ValueRule = (value: unknown) => Broken | undefined;

const INTEGERS: ReadonlySet<ScalarType> = new Set([
  ScalarType.INT32,
  ScalarType.SINT32,
  ScalarType.SFIXED32,
  ScalarType.UINT32,
  ScalarType.FIXED32,
  ScalarType.INT64,
  ScalarType.SINT64,
  ScalarType.SFIXED64,
  ScalarType.UINT64,
  ScalarType.FIXED64,
]);

// The scalar type of a singular or repeated scalar field.
function scalarOf(field: DescField): ScalarType | undefined {
  if (field.fieldKind === "scalar") return field.scalar;
  return field.fieldKind === "list" && field.listKind === "scalar" ? field.scalar : undefined;
}

const NOT_UUID: Broken = { text: "must be a UUID", reason: "UUID" };

// Characters as JSON Schema's minLength/maxLength count them (code points), counted no further than
// `stop`: a length bound costs nothing more than the bound.
function codePoints(text: string, stop: number): number {
  let count = 0;
  for (const _ of text) if (++count > stop) break;
  return count;
}

/** The length rule in words: `must be 1-256 characters`, `must be at most 128 characters`. */
function lengthText(min: number, max: number): string {
  if (min > 0 && max > 0)
    return min === max ? `must be exactly ${min} characters` : `must be ${min}-${max} characters`;
  return max > 0 ? `must be at most ${max} characters` : `must be at least ${min} characters`;
}

const UNITS: readonly (readonly [seconds: number, name: string])[] = [
  [86_400, "day"],
  [3_600, "hour"],
  [60, "minute"],
];

// A bound of a `*_seconds` field also in the unit people think in: `604800 (7 days)`.
function inUnits(field: DescField, bound: number): string {
  if (!field.name.endsWith("_seconds")) return `${bound}`;
  const unit = UNITS.find(([seconds]) => bound >= seconds && bound % seconds === 0);
  if (unit === undefined) return `${bound}`;
  const count = bound / unit[0];
  return `${bound} (${count} ${unit[1]}${count === 1 ? "" : "s"})`;
}

/** The range rule in words: `must be a whole number from 0 to 604800 (7 days)`, `must not be negative`. */
function rangeText(field: DescField, min: number | undefined, max: number | undefined): string {
  const scalar = scalarOf(field);
  const what = scalar !== undefined && INTEGERS.has(scalar) ? "a whole number " : "";
  if (min !== undefined && max !== undefined) return `must be ${what}from ${min} to ${inUnits(field, max)}`;
  if (max !== undefined) return `must be at most ${inUnits(field, max)}`;
  return min === 0 ? "must not be negative" : `must be at least ${min}`;
}

function stringRule(rules: Rules): ValueRule | undefined {
  const { minLen, maxLen, uuid } = rules;
  const allowed = rules.in.length > 0 ? new Set(rules.in) : undefined;
  // JSON Schema's `pattern` dialect (ECMA-262, Unicode), so the OpenAPI document means what the edge does.
  const pattern = rules.pattern === "" ? undefined : new RegExp(rules.pattern, "u");
  if (minLen === 0 && maxLen === 0 && !uuid && allowed === undefined && pattern === undefined)
    return undefined;
  const text = lengthText(minLen, maxLen);
  const tooShort: Broken = { text, reason: "MIN_LEN" };
  const tooLong: Broken = { text, reason: "MAX_LEN" };
  const notIn: Broken = { text: `must be one of ${rules.in.join(", ")}`, reason: "IN" };
  const mismatch: Broken = { text: `must match the pattern ${rules.pattern}`, reason: "PATTERN" };
  return (value) => {
    const text = value as string;
    // UTF-16 units are never fewer than code points: most values are decided without counting.
    if (minLen > 0 && (text.length < minLen || codePoints(text, minLen) < minLen)) return tooShort;
    if (maxLen > 0 && text.length > maxLen && codePoints(text, maxLen) > maxLen) return tooLong;
    // In proto3 an empty string is an unset one: only `required` and a minimum length refuse it.
    if (text === "") return undefined;
    if (uuid && !isUuid(text)) return NOT_UUID;
    if (allowed !== undefined && !allowed.has(text)) return notIn;
    if (pattern !== undefined && !pattern.test(text)) return mismatch;
    return undefined;
  };
}

function numberRule(field: DescField, rules: Rules): ValueRule | undefined {
  const { min, max } = rules;
  if (min === undefined && max === undefined) return undefined;
  const outside: Broken = { text: rangeText(field, min, max), reason: "RANGE" };
  return (value) => {
    const n = typeof value === "bigint" ? Number(value) : (value as number);
    if (Number.isNaN(n) || (min !== undefined && n < min) || (max !== undefined && n > max)) return outside;
    return undefined;
  };
}

/**
 * The rule for one value of `field` (each item of a repeated field) from its declared rules, or
 * undefined when they hold none for its type: strings take the length, `uuid`, `in` and `pattern` rules,
 * numbers the range; `required` is the caller's, since it looks at the field, not at a value.
 */
export function valueRule(field: DescField, rules: Rules): ValueRule | undefined {
  const scalar = scalarOf(field);
  if (scalar === undefined || scalar === ScalarType.BOOL || scalar === ScalarType.BYTES) return undefined;
  return scalar === ScalarType.STRING ? stringRule(rules) : numberRule(field, rules);
}

/** Whether a field's value counts as unset for `required`: proto3's zero values, an empty list or map. */
export function isMissing(field: DescField, value: unknown): boolean {
  switch (field.fieldKind) {
    case "list":
      return (value as readonly unknown[]).length === 0;
    case "map":
      for (const _ in value as Record<string, unknown>) return false;
      return true;
    case "message":
      return value === undefined;
    default:
      return (
        value === undefined ||
        value === "" ||
        value === 0 ||
        value === 0n ||
        value === false ||
        (value instanceof Uint8Array && value.length === 0)
      );
  }
}

/** `required` in words for `field`. */
export function requiredText(field: DescField): string {
  if (field.fieldKind === "list") return "must have at least one item";
  return field.fieldKind === "map" ? "must have at least one entry" : "is required";
}
