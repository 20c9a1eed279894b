import { type DescEnum, type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";

/** A field reached by a dotted path from a request message, with the JSON names along the way. */
export interface ResolvedField {
  readonly field: DescField;
  /** JSON names from the root to the field (`hub.verify_token` → ["hub", "verifyToken"]). */
  readonly jsonPath: readonly string[];
  /** Proto names along the same path (a JSON body may use either spelling). */
  readonly protoPath: readonly string[];
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
  const protoPath: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const name = path[i];
    const field = current.fields.find((f) => f.name === name || f.jsonName === name);
    if (field === undefined) return undefined;
    jsonPath.push(field.jsonName);
    protoPath.push(field.name);
    if (i === path.length - 1) return { field, jsonPath, protoPath };
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
      return enumFromText(field.enum, text);
    case "list":
      if (field.listKind === "scalar") return scalarFromText(field.scalar, text);
      if (field.listKind === "enum") return enumFromText(field.enum, text);
      return { ok: false, reason: "cannot be set from a URL" };
    case "message": {
      const name = field.message.typeName;
      if (SCALAR_LIKE.has(name)) {
        const wrapped = field.message.fields[0];
        if (name.endsWith("Value") && wrapped?.fieldKind === "scalar")
          return scalarFromText(wrapped.scalar, text);
        if (name === "google.protobuf.Timestamp" && !RFC3339.test(text)) {
          return { ok: false, reason: "must be an RFC 3339 time such as 2026-01-31T12:00:00Z" };
        }
        if (name === "google.protobuf.Duration" && !/^-?\d+(\.\d{1,9})?s$/.test(text)) {
          return { ok: false, reason: "must be a duration in seconds such as 1.5s" };
        }
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

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/i;

// Checked here rather than by the JSON decoder, so the error names the parameter and never repeats the value.
function enumFromText(desc: DescEnum, text: string): Converted {
  const value = desc.values.find((v) => v.name === text || String(v.number) === text);
  if (value === undefined)
    return { ok: false, reason: `must be one of ${desc.values.map((v) => v.name).join(", ")}` };
  return { ok: true, value: value.name };
}

/**
 * Sets `value` at a field path in `target`, creating objects on the way. The JSON name is written; a key
 * spelled with the proto name at any step (a body may use either) is moved to the JSON name first, so the
 * value set here wins instead of colliding with it.
 */
export function setAtPath(
  target: Record<string, unknown>,
  resolved: Pick<ResolvedField, "jsonPath" | "protoPath">,
  value: unknown,
): void {
  const { jsonPath, protoPath } = resolved;
  let node = target;
  for (let i = 0; i < jsonPath.length; i++) {
    const key = jsonPath[i] as string;
    const proto = protoPath[i];
    if (proto !== undefined && proto !== key && Object.hasOwn(node, proto)) {
      const spelled = node[proto];
      delete node[proto];
      const existing = node[key];
      node[key] =
        isObject(spelled) && isObject(existing) ? { ...spelled, ...existing } : (existing ?? spelled);
    }
    if (i === jsonPath.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (isObject(next)) {
      node = next;
    } else {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
