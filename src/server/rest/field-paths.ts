import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";

/** A field reached by a dotted path from a request message, with the JSON names along the way. */
export interface ResolvedField {
  readonly field: DescField;
  /** JSON names from the root to the field (`hub.verify_token` → ["hub", "verifyToken"]). */
  readonly jsonPath: readonly string[];
}

/** Well-known types whose JSON form is a single string (or scalar), so they bind like scalars. */
const SCALAR_LIKE = new Set([
  "google.protobuf.Timestamp",
  "google.protobuf.Duration",
  "google.protobuf.FieldMask",
  "google.protobuf.DoubleValue",
  "google.protobuf.FloatValue",
  "google.protobuf.Int64Value",
  "google.protobuf.UInt64Value",
  "google.protobuf.Int32Value",
  "google.protobuf.UInt32Value",
  "google.protobuf.BoolValue",
  "google.protobuf.StringValue",
  "google.protobuf.BytesValue",
]);

/** JSON-valued well-known types: a query value is parsed as JSON text. */
const JSON_VALUED = new Set(["google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue"]);

/**
 * Resolves `a.b.c` against `message`, accepting the proto name or the JSON name at each step (as
 * grpc-gateway does). Undefined when a step does not exist or crosses a repeated or map field.
 */
export function resolveFieldPath(message: DescMessage, path: readonly string[]): ResolvedField | undefined {
  let current: DescMessage = message;
  const jsonPath: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const name = path[i];
    const field = current.fields.find((f) => f.name === name || f.jsonName === name);
    if (field === undefined) return undefined;
    jsonPath.push(field.jsonName);
    if (i === path.length - 1) return { field, jsonPath };
    if (field.fieldKind !== "message") return undefined;
    current = field.message;
  }
  return undefined;
}

/** Why a text value does not fit a field, or undefined when it does. */
type Converted = { ok: true; value: unknown } | { ok: false; reason: string };

function scalarFromText(type: ScalarType, text: string): Converted {
  switch (type) {
    case ScalarType.BOOL:
      if (text === "true" || text === "1") return { ok: true, value: true };
      if (text === "false" || text === "0") return { ok: true, value: false };
      return { ok: false, reason: "must be true or false" };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return /^-?\d{1,10}$/.test(text)
        ? { ok: true, value: Number(text) }
        : { ok: false, reason: "must be an integer" };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return /^-?\d{1,20}$/.test(text)
        ? { ok: true, value: text }
        : { ok: false, reason: "must be an integer" };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      if (text === "NaN" || text === "Infinity" || text === "-Infinity") return { ok: true, value: text };
      return text.trim() !== "" && Number.isFinite(Number(text))
        ? { ok: true, value: Number(text) }
        : { ok: false, reason: "must be a number" };
    default:
      return { ok: true, value: text };
  }
}

/**
 * The proto3 JSON value for one text value (from a path segment or query parameter) of `field`'s
 * element type. Struct and Value take JSON text; a plain message cannot come from text.
 */
export function valueFromText(field: DescField, text: string): Converted {
  switch (field.fieldKind) {
    case "scalar":
      return scalarFromText(field.scalar, text);
    case "enum":
      return { ok: true, value: /^-?\d+$/.test(text) ? Number(text) : text };
    case "list":
      if (field.listKind === "scalar") return scalarFromText(field.scalar, text);
      if (field.listKind === "enum") return { ok: true, value: /^-?\d+$/.test(text) ? Number(text) : text };
      return { ok: false, reason: "cannot be set from a URL" };
    case "message": {
      const name = field.message.typeName;
      if (SCALAR_LIKE.has(name)) {
        const wrapped = field.message.fields[0];
        if (name.endsWith("Value") && wrapped?.fieldKind === "scalar")
          return scalarFromText(wrapped.scalar, text);
        return { ok: true, value: text };
      }
      if (JSON_VALUED.has(name)) {
        try {
          return { ok: true, value: JSON.parse(text) as unknown };
        } catch {
          return { ok: false, reason: "must be JSON text" };
        }
      }
      return { ok: false, reason: "names a message; set its fields with dotted names" };
    }
    default:
      return { ok: false, reason: "cannot be set from a URL" };
  }
}

/** Sets `value` at `jsonPath` in `target`, creating objects on the way. */
export function setAtPath(
  target: Record<string, unknown>,
  jsonPath: readonly string[],
  value: unknown,
): void {
  let node = target;
  for (const key of jsonPath.slice(0, -1)) {
    const next = node[key];
    if (typeof next === "object" && next !== null && !Array.isArray(next)) {
      node = next as Record<string, unknown>;
    } else {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    }
  }
  const last = jsonPath.at(-1);
  if (last !== undefined) node[last] = value;
}
