import {
  type DescField,
  type DescMessage,
  type DescMethod,
  type JsonValue,
  ScalarType,
} from "@bufbuild/protobuf";

/** One place in a request message where text can go, found by walking the descriptors. */
export interface TextTarget {
  /** The request's proto3 JSON with `text` at this place and nothing else set. */
  readonly json: (text: string) => Record<string, JsonValue>;
  /** The path the input rule names for it (`metadata.step_id`, `labels[?] key`, `params["k"]`). */
  readonly path: string;
  /** The innermost field of ours on the way (`step_id`, `params`): every refusal names at least this. */
  readonly field: string;
  /** The top-level field the text sits in (for placing it in a REST request). */
  readonly top: DescField;
  /** Dotted JSON names when a URL query parameter can carry the text (plain text or a list of it). */
  readonly query: string | undefined;
  /** The text is a map or JSON object key. */
  readonly key: boolean;
}

type Value = Omit<TextTarget, "json" | "top"> & { readonly value: (text: string) => JsonValue };

const JSON_TYPES = new Set(["google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue"]);
const MAX_DEPTH = 4;

function isText(field: DescField): boolean {
  return "scalar" in field && field.scalar === ScalarType.STRING;
}

/** Places for text inside a value of `field` (a singular, list or map field). */
function valuesOf(field: DescField, depth: number, seen: ReadonlySet<string>): Value[] {
  const name = field.name;
  const json = field.jsonName;
  const plain = { field: name, key: false } as const;
  switch (field.fieldKind) {
    case "scalar":
      return isText(field) ? [{ ...plain, value: (t) => t, path: name, query: json }] : [];
    case "enum":
      return [];
    case "list":
      if (field.listKind === "scalar")
        return isText(field) ? [{ ...plain, value: (t) => [t], path: `${name}[0]`, query: json }] : [];
      if (field.listKind === "enum") return [];
      return messageValues(field.message, depth, seen).map((v) => ({
        ...v,
        value: (t) => [v.value(t)],
        path: `${name}[0]${v.path === "" ? "" : `.${v.path}`}`,
        query: undefined,
      }));
    case "map": {
      const textKeys = field.mapKey === ScalarType.STRING;
      const keyName = textKeys ? "k" : "1";
      const keySegment = textKeys ? '["k"]' : "[1]";
      const keys: Value[] = textKeys
        ? [
            {
              field: name,
              key: true,
              value: (t) => ({ [t]: emptyOf(field) }),
              path: `${name}[?] key`,
              query: undefined,
            },
          ]
        : [];
      if (field.mapKind === "enum") return keys;
      if (field.mapKind === "scalar") {
        if (!isText(field)) return keys;
        return [
          ...keys,
          { ...plain, value: (t) => ({ [keyName]: t }), path: `${name}${keySegment}`, query: undefined },
        ];
      }
      return [
        ...keys,
        ...messageValues(field.message, depth, seen).map((v) => ({
          ...v,
          value: (t: string) => ({ [keyName]: v.value(t) }),
          path: `${name}${keySegment}${v.path === "" ? "" : `.${v.path}`}`,
          query: undefined,
        })),
      ];
    }
    case "message": {
      const type = field.message.typeName;
      if (type === "google.protobuf.Struct")
        return [
          { ...plain, value: (t) => ({ k: t }), path: `${name}["k"]`, query: undefined },
          { field: name, key: true, value: (t) => ({ [t]: 1 }), path: `${name}[?] key`, query: undefined },
        ];
      if (type === "google.protobuf.Value")
        return [{ ...plain, value: (t) => t, path: name, query: undefined }];
      if (type === "google.protobuf.ListValue")
        return [{ ...plain, value: (t) => [t], path: `${name}[0]`, query: undefined }];
      if (type === "google.protobuf.StringValue")
        return [{ ...plain, value: (t) => t, path: name, query: json }];
      return messageValues(field.message, depth, seen).map((v) => ({
        ...v,
        path: v.path === "" ? name : `${name}.${v.path}`,
        query: v.query === undefined ? undefined : `${json}.${v.query}`,
      }));
    }
  }
}

function emptyOf(field: DescField): JsonValue {
  if (field.fieldKind !== "map") return null;
  if (field.mapKind === "message") return {};
  if (field.mapKind === "enum") return 0;
  return isText(field) ? "v" : field.scalar === ScalarType.BOOL ? false : 0;
}

/** Places for text inside a message value: each one a JSON object with one field set. */
function messageValues(message: DescMessage, depth: number, seen: ReadonlySet<string>): Value[] {
  const type = message.typeName;
  if (depth >= MAX_DEPTH || seen.has(type) || JSON_TYPES.has(type)) return [];
  if (type.startsWith("google.protobuf.")) return [];
  const inner = new Set([...seen, type]);
  return message.fields.flatMap((field) =>
    valuesOf(field, depth + 1, inner).map((v) => ({
      ...v,
      value: (t: string) => ({ [field.jsonName]: v.value(t) }),
    })),
  );
}

/** Every place in `method`'s request where text can go, to a bounded depth (cycles cut). */
export function textTargets(method: DescMethod): TextTarget[] {
  return method.input.fields.flatMap((top) =>
    valuesOf(top, 1, new Set([method.input.typeName])).map((v) => ({
      ...v,
      top,
      json: (text: string) => ({ [top.jsonName]: v.value(text) }),
    })),
  );
}
