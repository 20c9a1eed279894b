import { isObject } from "./json-schema.ts";
import type { ParamPlan } from "./openapi-plan.ts";

const STYLES: Record<ParamPlan["in"], readonly string[]> = {
  path: ["simple", "label", "matrix"],
  query: ["form", "spaceDelimited", "pipeDelimited", "deepObject"],
  header: ["simple"],
  cookie: ["form"],
  body: [],
};
const DELIMITERS: Record<string, string> = { spaceDelimited: "%20", pipeDelimited: "%7C" };
/**
 * RFC 3986 reserved characters `allowReserved` lets through. `#`, `&`, `=` and `+` stay encoded even then:
 * unencoded they would end the query, split or rename a pair, or turn into a space at the server.
 */
const KEPT_RESERVED = /%(3A|2F|3F|5B|5D|40|24|2C|3B)/gi;

/** One value as text: strings as they are, numbers and booleans printed, null as "", anything else JSON. */
export function scalarText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  return JSON.stringify(value);
}

function encode(text: string): string {
  // toWellFormed: a lone surrogate would make encodeURIComponent throw.
  return encodeURIComponent(text.toWellFormed());
}

/** RFC 6570 reserved expansion: reserved characters and existing %XX triplets pass unchanged. */
function encodeReserved(text: string): string {
  return text
    .split(/(%[0-9A-Fa-f]{2})/)
    .map((part, i) =>
      i % 2 === 1 ? part : encode(part).replace(KEPT_RESERVED, (t) => decodeURIComponent(t)),
    )
    .join("");
}

/**
 * Name/value pairs for nested data, brackets for object keys (`color[R]`): the deepObject style and
 * form bodies. Arrays of scalars repeat the key (`tags=a&tags=b`); arrays holding objects or arrays
 * index it (`items[0][sku]`), since a repeated key could not say which item a property belongs to.
 */
export function flattenPairs(
  key: string,
  value: unknown,
  pairs: Array<[string, string]> = [],
): Array<[string, string]> {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      flattenPairs(isObject(item) || Array.isArray(item) ? `${key}[${i}]` : key, item, pairs);
    });
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) flattenPairs(`${key}[${k}]`, v, pairs);
  } else pairs.push([key, scalarText(value)]);
  return pairs;
}

type Shape = { items: string[]; entries: Array<[string, string]> | undefined } | string;

/** A scalar as text, an array as its items, an object as its entries; an empty list or map is undefined (RFC 6570). */
function shape(value: unknown): Shape | undefined {
  if (Array.isArray(value))
    return value.length === 0 ? undefined : { items: value.map(scalarText), entries: undefined };
  if (isObject(value)) {
    const entries = Object.entries(value).map(([k, v]): [string, string] => [k, scalarText(v)]);
    return entries.length === 0 ? undefined : { items: entries.flat(), entries };
  }
  return scalarText(value);
}

type Encode = (text: string) => string;

/** simple, label and matrix: one piece of path (or header) text. */
function expandText(style: string, explode: boolean, name: string, shaped: Shape, enc: Encode): string {
  if (style === "matrix") {
    const m = (k: string, v: string): string => (v === "" ? `;${k}` : `;${k}=${enc(v)}`);
    if (typeof shaped === "string") return m(name, shaped);
    if (!explode) return `;${name}=${shaped.items.map(enc).join(",")}`;
    if (shaped.entries) return shaped.entries.map(([k, v]) => m(enc(k), v)).join("");
    return shaped.items.map((v) => m(name, v)).join("");
  }
  const prefix = style === "label" ? "." : "";
  if (typeof shaped === "string") return prefix + enc(shaped);
  const joint = style === "label" && explode ? "." : ",";
  if (shaped.entries && explode)
    return prefix + shaped.entries.map(([k, v]) => `${enc(k)}=${enc(v)}`).join(joint);
  return prefix + shaped.items.map(enc).join(shaped.entries ? "," : joint);
}

/** form, spaceDelimited, pipeDelimited (and deepObject given a non-object): `name=value` pieces. */
function expandPairs(style: string, explode: boolean, name: string, shaped: Shape, enc: Encode): string[] {
  if (typeof shaped === "string") return [`${name}=${enc(shaped)}`];
  if (!explode) return [`${name}=${shaped.items.map(enc).join(DELIMITERS[style] ?? ",")}`];
  if (shaped.entries) return shaped.entries.map(([k, v]) => `${enc(k)}=${enc(v)}`);
  return shaped.items.map((v) => `${name}=${enc(v)}`);
}

/**
 * Serializes one path, query, header or cookie param per OpenAPI's style table (3.0.4 / 3.1.1, which
 * follow RFC 6570: label without explode joins with `,`). Returns the path text or header value as the
 * only item, or the `name=value` pieces of a query string or Cookie header, already percent-encoded
 * (headers are not encoded); an empty list means "leave the param out". A param described with
 * `content` is sent as its JSON text (a string stays as is under a non-JSON media type). A style the
 * location does not define falls back to its default, as the import warned.
 */
export function serializeParam(param: ParamPlan, value: unknown): string[] {
  const where = param.in;
  const plain = where === "header";
  const enc: Encode = plain ? (t) => t : where === "query" && param.allowReserved ? encodeReserved : encode;
  const name = plain ? param.name : encode(param.name);
  const textual = where === "path" || where === "header";
  if (param.contentType !== undefined) {
    const text =
      typeof value === "string" && !/json/i.test(param.contentType) ? value : JSON.stringify(value);
    return textual ? [enc(text)] : [`${name}=${enc(text)}`];
  }
  const styles = STYLES[where];
  const style =
    param.style !== undefined && styles.includes(param.style) ? param.style : (styles[0] ?? "form");
  const explode = param.explode ?? style === "form";
  if (style === "deepObject" && isObject(value))
    return flattenPairs(param.name, value).map(([k, v]) => `${encode(k)}=${encode(v)}`);
  const shaped = shape(value);
  if (shaped === undefined) return where === "path" ? [""] : [];
  return textual
    ? [expandText(style, explode, name, shaped, enc)]
    : expandPairs(style, explode, name, shaped, enc);
}
