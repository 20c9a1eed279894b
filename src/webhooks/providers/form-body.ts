import { decodeUtf8 } from "./utf8.ts";

/** Form fields by name, each with its values in arrival order. */
export type FormFields = ReadonlyMap<string, readonly string[]>;

/** Whether a Content-Type names `application/x-www-form-urlencoded` (parameters and case ignored). */
export function isFormContentType(contentType: string): boolean {
  return mediaType(contentType) === "application/x-www-form-urlencoded";
}

/** The media type of a Content-Type header, lowercase, without parameters. */
export function mediaType(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

/**
 * Decodes an `application/x-www-form-urlencoded` body the WHATWG way (`+` is a space, percent
 * escapes decoded), which is what the providers' own libraries see; undefined when not UTF-8.
 */
export function parseFormBody(body: Uint8Array): FormFields | undefined {
  const text = decodeUtf8(body);
  if (text === undefined) return undefined;
  const fields = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(text)) {
    const values = fields.get(name);
    if (values) values.push(value);
    else fields.set(name, [value]);
  }
  return fields;
}

/** The first value of a field. */
export function formField(fields: FormFields, name: string): string | undefined {
  return fields.get(name)?.[0];
}

/** Form fields as a payload object: a single value as a string, a repeated field as a string array. */
export function formToObject(fields: FormFields): Record<string, string | string[]> {
  const object: Record<string, string | string[]> = {};
  for (const [name, values] of fields) object[name] = values.length === 1 ? (values[0] ?? "") : [...values];
  return object;
}
