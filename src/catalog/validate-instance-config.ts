import { Code, ConnectError } from "@connectrpc/connect";
import type { StoredField } from "./connector-entity.ts";

function problem(field: StoredField, value: unknown): string | undefined {
  switch (field.type) {
    case "string":
    case "secret":
      return typeof value === "string" ? undefined : "must be a string";
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? undefined : "must be a number";
    case "boolean":
      return typeof value === "boolean" ? undefined : "must be true or false";
    case "date":
      return typeof value === "string" && !Number.isNaN(Date.parse(value))
        ? undefined
        : "must be an RFC 3339 date";
    case "select":
      return typeof value === "string" && (field.options ?? []).includes(value)
        ? undefined
        : `must be one of ${(field.options ?? []).join(", ")}`;
    default:
      return undefined;
  }
}

/**
 * Checks instance config against a connector's connection fields: no unknown keys, every value of its
 * declared type, every required field present. INVALID_ARGUMENT lists each field with the reason and
 * never a value (config holds secrets).
 */
export function validateInstanceConfig(
  fields: Readonly<Record<string, StoredField>>,
  config: Readonly<Record<string, unknown>>,
  heading = "config is invalid",
): void {
  const problems: string[] = [];
  for (const key of Object.keys(config)) {
    if (!Object.hasOwn(fields, key)) problems.push(`${key.slice(0, 64)} is not a connection field`);
  }
  for (const [key, field] of Object.entries(fields)) {
    const value = config[key];
    if (value === undefined || value === null || value === "") {
      if (field.required) problems.push(`${key} is required`);
      continue;
    }
    const why = problem(field, value);
    if (why !== undefined) problems.push(`${key} ${why}`);
  }
  if (problems.length > 0) {
    throw new ConnectError(`${heading}: ${problems.join("; ")}`, Code.InvalidArgument);
  }
}
