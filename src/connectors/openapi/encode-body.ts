import { randomBytes } from "node:crypto";
import { isObject } from "./json-schema.ts";
import type { OperationPlan } from "./openapi-plan.ts";
import { sendableMediaType } from "./sendable-media-type.ts";
import { flattenPairs, scalarText } from "./serialize-param.ts";

/** A request body ready to send, with its Content-Type. */
export interface EncodedBody {
  body: string;
  contentType: string;
}

/** A fresh multipart boundary (RFC 2046: at most 70 characters). */
export function randomBoundary(): string {
  return `patchbay-${randomBytes(16).toString("hex")}`;
}

function isJsonType(type: string): boolean {
  return type === "application/json" || type.endsWith("+json");
}

/**
 * x-www-form-urlencoded: top-level scalars and arrays of scalars as OpenAPI's default (form, explode:
 * `tags=a&tags=b`); nested objects with brackets (`address[city]=Paris`), the convention of Rails, PHP
 * and Stripe, since OpenAPI's default would spread their keys and lose the property name.
 */
function formBody(value: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, item] of Object.entries(value)) {
    for (const [name, text] of flattenPairs(key, item)) search.append(name, text.toWellFormed());
  }
  return search.toString();
}

/** RFC 7578 field names: `"`, CR and LF percent-encoded, as browsers do. */
function quoteName(name: string): string {
  return name.replaceAll('"', "%22").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}

/**
 * multipart/form-data with text parts only: scalars as text, objects as `application/json` parts (the
 * OpenAPI encoding default), arrays as one part per item. Binary (file) parts are not supported: params
 * arrive as JSON, so there is no file content to send.
 */
function multipartBody(value: Record<string, unknown>, boundary: () => string): EncodedBody {
  const parts: Array<{ name: string; json: boolean; text: string }> = [];
  for (const [name, item] of Object.entries(value)) {
    for (const one of Array.isArray(item) ? item : [item]) {
      const json = isObject(one) || Array.isArray(one);
      parts.push({ name, json, text: json ? JSON.stringify(one) : scalarText(one) });
    }
  }
  let mark = boundary();
  // A part that happens to contain the boundary would end the body early; pick another one.
  for (let tries = 0; tries < 5 && parts.some((p) => p.text.includes(mark)); tries++) mark = boundary();
  const body = parts
    .map(
      (p) =>
        `--${mark}\r\nContent-Disposition: form-data; name="${quoteName(p.name)}"\r\n` +
        `${p.json ? "Content-Type: application/json\r\n" : ""}\r\n${p.text}\r\n`,
    )
    .join("");
  return { body: `${body}--${mark}--\r\n`, contentType: `multipart/form-data; boundary=${mark}` };
}

/**
 * The request body of an operation from its `in: "body"` params: the whole-body param (wire name "")
 * as given, else an object of the given properties (`{}` when the body is required but none is given;
 * no body when it is optional and none is given). Encoded by the plan's media type: JSON (also
 * `+json` and the any-type wildcard), form, multipart, text/plain (a non-string as JSON); any other
 * type takes a string as is and anything else as JSON, under the declared Content-Type.
 */
export function encodeBody(
  operation: OperationPlan,
  params: Record<string, unknown>,
  boundary: () => string = randomBoundary,
): EncodedBody | undefined {
  if (operation.body === undefined) return undefined;
  const bodyParams = operation.params.filter((p) => p.in === "body");
  const whole = bodyParams.find((p) => p.name === "");
  let value: unknown;
  if (whole !== undefined) value = params[whole.param];
  else {
    const given = bodyParams.filter((p) => params[p.param] !== undefined);
    if (given.length > 0 || operation.body.required)
      value = Object.fromEntries(given.map((p) => [p.name, params[p.param]]));
  }
  if (value === undefined) return undefined;
  // Plans imported before ranges were resolved at import may still hold one: never send it.
  const declared = sendableMediaType(operation.body.mediaType);
  const type = (declared.split(";")[0] ?? "").trim().toLowerCase();
  if (isJsonType(type)) return { body: JSON.stringify(value), contentType: declared };
  if (typeof value === "string") return { body: value, contentType: declared };
  if (type === "application/x-www-form-urlencoded" && isObject(value))
    return { body: formBody(value), contentType: declared };
  if (type === "multipart/form-data" && isObject(value)) return multipartBody(value, boundary);
  if (type === "text/plain" && !isObject(value) && !Array.isArray(value))
    return { body: scalarText(value), contentType: declared };
  return { body: JSON.stringify(value), contentType: declared };
}
