import type { DescField, DescMessage } from "@bufbuild/protobuf";
import type { DeclaredOptions } from "./declared-options.ts";
import type { JsonObject } from "./json.ts";
import { isRequiredField } from "./rule-keywords.ts";
import type { SchemaBuilder } from "./schema-builder.ts";
import { JSON_VALUED_TYPES, wellKnownSchema } from "./well-known-schema.ts";

/** Query parameters of a binding, and the fields a query string cannot carry. */
export interface QueryParameters {
  readonly parameters: JsonObject[];
  /** Dotted JSON names of unbound fields left out, each with the reason (shown in the description). */
  readonly omitted: readonly string[];
}

/**
 * Flattens the request fields that neither the path nor the body sets into query parameters, following
 * google/api/http.proto: leaf fields by dotted lowerCamel path (`hub.verifyToken`), repeated scalars and
 * enums as repeated keys (`?tag=a&tag=b`), nested messages recursively. Repeated messages and maps are
 * never query parameters, and JSON-valued well-known types (Struct, Value, ListValue, Any) are left out
 * too; a message already on the way down is not entered again, so recursive types end.
 * `excluded` holds proto field paths joined with "." (path-bound fields and the body field).
 */
export function queryParameters(
  message: DescMessage,
  excluded: ReadonlySet<string>,
  schemas: SchemaBuilder,
  declared: DeclaredOptions,
): QueryParameters {
  const parameters: JsonObject[] = [];
  const omitted: string[] = [];

  function add(field: DescField, jsonPath: readonly string[], schema: JsonObject): void {
    const { description, deprecated, ...rest } = schema;
    const parameter: JsonObject = { name: jsonPath.join("."), in: "query" };
    if (typeof description === "string") parameter.description = description;
    // A nested field is required only when its parent is set: the query string has no such rule.
    if (jsonPath.length === 1 && isRequiredField(declared, field)) parameter.required = true;
    if (deprecated === true) parameter.deprecated = true;
    if (field.fieldKind === "list") {
      parameter.style = "form";
      parameter.explode = true;
    }
    parameter.schema = rest;
    parameters.push(parameter);
  }

  function walk(
    current: DescMessage,
    protoPath: readonly string[],
    jsonPath: readonly string[],
    stack: readonly string[],
  ): void {
    for (const field of current.fields) {
      const proto = [...protoPath, field.name];
      const json = [...jsonPath, field.jsonName];
      if (excluded.has(proto.join("."))) continue;
      const name = json.join(".");
      switch (field.fieldKind) {
        case "scalar":
        case "enum":
          add(field, json, schemas.fieldSchema(field));
          break;
        case "list":
          if (field.listKind === "message") omitted.push(`\`${name}\` (repeated message)`);
          else add(field, json, schemas.fieldSchema(field));
          break;
        case "map":
          omitted.push(`\`${name}\` (map)`);
          break;
        case "message": {
          const type = field.message.typeName;
          if (JSON_VALUED_TYPES.has(type)) {
            omitted.push(`\`${name}\` (${type})`);
          } else if (type === "google.protobuf.Empty" || type === "google.api.HttpBody") {
            // Nothing to set (Empty), or bytes that only a request body can carry (HttpBody).
            if (type === "google.api.HttpBody") omitted.push(`\`${name}\` (${type})`);
          } else if (wellKnownSchema(field.message) !== undefined) {
            add(field, json, schemas.fieldSchema(field));
          } else if (stack.includes(type)) {
            omitted.push(`\`${name}\` (recursive ${type})`);
          } else {
            walk(field.message, proto, json, [...stack, type]);
          }
          break;
        }
      }
    }
  }

  walk(message, [], [], [message.typeName]);
  return { parameters, omitted };
}
