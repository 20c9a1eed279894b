import type { DescField } from "@bufbuild/protobuf";

export const STRUCT = "google.protobuf.Struct";
export const VALUE = "google.protobuf.Value";
export const LIST_VALUE = "google.protobuf.ListValue";

// Map keys are quoted in paths only when they look like names; anything else may be user content.
const NAME_KEY = /^[A-Za-z_][\w-]{0,63}$/;

/**
 * The path segment of a field: its proto name, or nothing inside Google's JSON types, so that paths read
 * as JSON (`params["a"][2]`, not `params.fields["a"].list_value.values[2]`).
 */
export function segmentOf(field: DescField): string {
  const parent = field.parent.typeName;
  return parent === STRUCT || parent === LIST_VALUE || parent === VALUE ? "" : field.name;
}

/** The segment of a map entry: `["name"]` for a key that looks like a name, `[7]` for a number, else `[?]`. */
export function keySegment(key: string, textKeys = true): string {
  if (!textKeys) return `[${key}]`;
  return NAME_KEY.test(key) ? `["${key}"]` : "[?]";
}

/** Renders segments collected innermost first: `config_schema.commands["list"].params[0]`. */
export function renderPath(path: readonly string[]): string {
  let out = "";
  for (let i = path.length - 1; i >= 0; i--) {
    const segment = path[i] as string;
    out += out === "" || segment.startsWith("[") ? segment : `.${segment}`;
  }
  return out === "" ? "the request" : out;
}
