import type { DescMessage } from "@bufbuild/protobuf";
import { BridgeError, quoteName } from "./bridge-error.ts";
import { type ResolvedField, resolveFieldPath, setAtPath, valueFromText } from "./field-paths.ts";
import type { RouteMatch } from "./route-table.ts";
import { sortQueryToOrderBy } from "./sort-query.ts";

const HTTP_BODY = "google.api.HttpBody";

/** The request as it arrived, after routing. */
export interface RestRequestParts {
  readonly match: RouteMatch;
  readonly query: URLSearchParams;
  /** Raw body bytes (empty when there is none). */
  readonly body: Uint8Array;
  /** The request `Content-Type`, or "" when absent. */
  readonly contentType: string;
  /** Ignore query parameters that name no field (the RPC's `ignore_unknown_query_parameters`). */
  readonly ignoreUnknownQuery?: boolean;
}

function invalid(message: string): BridgeError {
  return new BridgeError(400, "invalid_argument", message);
}

/** True when the binding's body is `google.api.HttpBody` (raw bytes, untouched): a field, or the whole message. */
export function isRawBody(input: DescMessage, body: string): boolean {
  if (body === "") return false;
  if (body === "*") return input.typeName === HTTP_BODY;
  const field = input.fields.find((f) => f.name === body);
  return field?.fieldKind === "message" && field.message.typeName === HTTP_BODY;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

// Stateless between calls (never used with `stream: true`); Buffer's decoder would turn bad bytes into U+FFFD.
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

function parseJson(body: Uint8Array, what: string): unknown {
  let text: string;
  try {
    text = STRICT_UTF8.decode(body);
  } catch {
    throw invalid(`${what} is not valid UTF-8`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(`${what} is not valid JSON`);
  }
}

/**
 * Refuses a query string whose percent-escapes are not UTF-8 (`?q=%FF`): URLSearchParams would read
 * them as U+FFFD without a word. A lone `%` is left alone, as URLSearchParams leaves it.
 */
export function checkQueryText(search: string): void {
  for (const run of search.match(/(?:%[0-9a-f]{2})+/gi) ?? []) {
    try {
      decodeURIComponent(run);
    } catch {
      throw invalid("the query string is not valid UTF-8");
    }
  }
}

// RFC 6570 reserved expansion for multi-segment variables keeps `%2F` encoded (google/api/http.proto).
function decodeVariable(raw: string, multiSegment: boolean): string {
  try {
    if (!multiSegment) return decodeURIComponent(raw);
    return raw
      .split(/%2F/i)
      .map((piece) => decodeURIComponent(piece))
      .join("%2F");
  } catch {
    throw invalid("the path has a malformed percent-escape");
  }
}

function assign(
  json: Record<string, unknown>,
  resolved: ResolvedField,
  texts: readonly string[],
  name: string,
): void {
  const { field } = resolved;
  const values = texts.map((text) => {
    const converted = valueFromText(field, text);
    if (!converted.ok) throw invalid(`${name} ${converted.reason}`);
    return converted.value;
  });
  if (field.fieldKind === "list") {
    setAtPath(json, resolved, values);
  } else if (values.length > 1) {
    throw invalid(`${name} is given more than once, but takes one value`);
  } else {
    setAtPath(json, resolved, values[0]);
  }
}

/**
 * The proto3 JSON of the request message: the body per the rule's `body` ("*", a field, or none), then
 * path variables (which win over the body), then query parameters for every field the path and body
 * leave unbound (dotted names; proto or JSON names; repeated keys for repeated fields). Unknown query
 * parameters are refused, except on raw-body operations (webhooks), whose URLs providers control.
 */
export function buildRequestJson(parts: RestRequestParts): Record<string, unknown> {
  const { binding, values } = parts.match;
  const input = binding.method.input;
  const raw = isRawBody(input, binding.body);
  let json: Record<string, unknown> = {};
  const bound = new Set<string>();

  if (binding.body === "*" && raw) {
    json = { contentType: parts.contentType, data: base64(parts.body) };
  } else if (binding.body === "*") {
    if (parts.body.byteLength > 0) {
      const parsed = parseJson(parts.body, "the request body");
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw invalid("the request body must be a JSON object");
      }
      json = parsed as Record<string, unknown>;
    }
  } else if (binding.body !== "") {
    const field = input.fields.find((f) => f.name === binding.body);
    if (field === undefined)
      throw new BridgeError(500, "internal", "the HTTP rule names a body field that does not exist");
    bound.add(field.jsonName);
    if (raw) {
      json[field.jsonName] = { contentType: parts.contentType, data: base64(parts.body) };
    } else if (parts.body.byteLength > 0) {
      json[field.jsonName] = parseJson(parts.body, "the request body");
    }
  } else if (parts.body.byteLength > 0) {
    throw invalid("this operation takes no request body");
  }

  binding.template.variables.forEach((variable, i) => {
    const resolved = resolveFieldPath(input, variable.fieldPath);
    if (resolved === undefined)
      throw new BridgeError(500, "internal", "the HTTP rule binds a field that does not exist");
    bound.add(resolved.jsonPath.join("."));
    const text = decodeVariable(values[i] ?? "", variable.multiSegment);
    assign(json, resolved, [text], `path variable ${quoteName(variable.fieldPath.join("."))}`);
  });

  const query = raw ? parts.query : sortQueryToOrderBy(input, parts.query);
  const names = [...new Set(query.keys())];
  if (binding.body === "*" && names.length > 0 && !raw) {
    throw invalid(
      `query parameter ${quoteName(names[0] ?? "")} is not accepted: this operation reads its fields from the JSON body`,
    );
  }
  // Grouped by field first: `display_name` and `displayName` name one field, and both spellings count.
  const byField = new Map<string, { resolved: ResolvedField; name: string; texts: string[] }>();
  for (const name of names) {
    const resolved = resolveFieldPath(input, name.split("."));
    if (resolved === undefined) {
      if (raw || parts.ignoreUnknownQuery) continue;
      throw invalid(`unknown query parameter ${quoteName(name)}`);
    }
    const key = resolved.jsonPath.join(".");
    if ([...bound].some((b) => key === b || key.startsWith(`${b}.`))) {
      if (raw) continue;
      throw invalid(`query parameter ${quoteName(name)} sets a field that the path or body already binds`);
    }
    const entry = byField.get(key) ?? { resolved, name, texts: [] };
    entry.texts.push(...query.getAll(name));
    byField.set(key, entry);
  }
  for (const { resolved, name, texts } of byField.values()) {
    assign(json, resolved, texts, `query parameter ${quoteName(name)}`);
  }
  return json;
}
