import type { JsonValue } from "@bufbuild/protobuf";
import type { FieldSpecJson } from "../../../gen/patchbay/v1/common_pb.ts";
import { type JsonSchema, schemaType } from "./json-schema.ts";

const MAX_DESCRIPTION = 500;
const MAX_OPTIONS = 200;

/** First paragraph of a Markdown description, bounded; "" when there is none. */
export function shortText(...candidates: unknown[]): string {
  for (const text of candidates) {
    if (typeof text !== "string") continue;
    const first =
      text
        .trim()
        .split(/\n\s*\n/)[0]
        ?.replace(/\s+/g, " ")
        .trim() ?? "";
    if (first !== "")
      return first.length > MAX_DESCRIPTION ? `${first.slice(0, MAX_DESCRIPTION - 1)}…` : first;
  }
  return "";
}

/**
 * The catalog field for a JSON Schema: strings (date formats → "date", string enums → "select"),
 * numbers, booleans, and "raw" for objects, arrays and compositions. The full schema is kept with the
 * operation for validation at run time; this is what forms and version diffs see.
 */
export function toField(schema: JsonSchema, required: boolean, description: string): FieldSpecJson {
  const type = schemaType(schema);
  const field: FieldSpecJson = { type: "raw" };
  if (type === "string") {
    const options = Array.isArray(schema.enum)
      ? schema.enum.filter((v): v is string => typeof v === "string")
      : [];
    if (
      options.length > 0 &&
      options.length <= MAX_OPTIONS &&
      options.length === (schema.enum as unknown[]).length
    ) {
      field.type = "select";
      field.options = options;
    } else {
      field.type = schema.format === "date-time" || schema.format === "date" ? "date" : "string";
    }
    if (schema.format === "password") field.secret = true;
  } else if (type === "integer" || type === "number") {
    field.type = "number";
  } else if (type === "boolean") {
    field.type = "boolean";
  }
  if (required) field.required = true;
  const text = shortText(description, schema.description, schema.title);
  if (text !== "") field.description = text;
  // The document was parsed from JSON or YAML text: its values are JSON.
  if (schema.default !== undefined) field.default = schema.default as JsonValue;
  if (typeof schema.example === "string" || typeof schema.example === "number") {
    field.placeholder = String(schema.example).slice(0, 200);
  }
  return field;
}
