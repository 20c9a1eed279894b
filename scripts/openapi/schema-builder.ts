import type { DescEnum, DescField, DescMessage } from "@bufbuild/protobuf";
import { commentOf } from "./comments.ts";
import type { JsonObject } from "./json.ts";
import { isRequiredField, isRequiredOneof, withRuleKeywords } from "./rule-keywords.ts";
import { scalarSchema } from "./scalar-schema.ts";
import { wellKnownSchema } from "./well-known-schema.ts";

/**
 * Turns messages, enums and fields into JSON Schemas (proto3 JSON mapping) and remembers every message and
 * enum it referenced, so that components.schemas holds exactly the reachable ones.
 */
export interface SchemaBuilder {
  /** A `$ref` to the message's component, or the inline schema of a well-known type. */
  messageSchema(message: DescMessage): JsonObject;
  /** The schema of a field's JSON value, with the field comment as its description. */
  fieldSchema(field: DescField): JsonObject;
  /** The message as an inline object schema without the named top-level fields (a `body: "*"` request). */
  objectSchema(message: DescMessage, omit?: ReadonlySet<string>): JsonObject;
  /** components.schemas: each referenced message and enum under its full proto name, sorted by name. */
  components(): Record<string, JsonObject>;
}

/** The components.schemas key of a message or enum: its full proto name, e.g. "patchbay.v1.Connector". */
export function schemaName(desc: DescMessage | DescEnum): string {
  return desc.typeName;
}

/** A `$ref` to the components.schemas entry named `name`. */
export function schemaRef(name: string): JsonObject {
  return { $ref: `#/components/schemas/${name}` };
}

/** Creates a builder with no schemas referenced yet. */
export function createSchemaBuilder(): SchemaBuilder {
  const referenced = new Map<string, DescMessage | DescEnum>();

  function enumSchema(desc: DescEnum): JsonObject {
    // NullValue is JSON null itself, not a name.
    if (desc.typeName === "google.protobuf.NullValue") return { type: "null" };
    referenced.set(schemaName(desc), desc);
    return schemaRef(schemaName(desc));
  }

  function messageSchema(message: DescMessage): JsonObject {
    const inline = wellKnownSchema(message);
    if (inline !== undefined) return inline;
    referenced.set(schemaName(message), message);
    return schemaRef(schemaName(message));
  }

  function valueSchema(field: DescField): JsonObject {
    switch (field.fieldKind) {
      case "scalar":
        return scalarSchema(field.scalar);
      case "enum":
        return enumSchema(field.enum);
      case "message":
        return messageSchema(field.message);
      case "list": {
        const items =
          field.listKind === "scalar"
            ? scalarSchema(field.scalar)
            : field.listKind === "enum"
              ? enumSchema(field.enum)
              : messageSchema(field.message);
        return { type: "array", items };
      }
      case "map": {
        const values =
          field.mapKind === "scalar"
            ? scalarSchema(field.scalar)
            : field.mapKind === "enum"
              ? enumSchema(field.enum)
              : messageSchema(field.message);
        // Proto3 JSON writes every map key as a string, whatever the key type.
        return { type: "object", additionalProperties: values };
      }
    }
  }

  function fieldSchema(field: DescField): JsonObject {
    const schema = withRuleKeywords(field, valueSchema(field));
    const notes = [commentOf(field)];
    if (field.oneof !== undefined) {
      const members = field.oneof.fields.map((f) => `\`${f.jsonName}\``).join(", ");
      const rule = isRequiredOneof(field.oneof) ? "exactly" : "at most";
      // Oneofs stay plain optional properties: simple for every client generator, and still exact
      // about the rule in words.
      notes.push(`Part of oneof \`${field.oneof.name}\`: set ${rule} one of ${members}.`);
    }
    const description = notes.filter((n) => n !== "").join("\n\n");
    // An inline well-known type may carry its own description; the field's says more.
    if (description !== "") schema.description = description;
    if (field.deprecated) schema.deprecated = true;
    return schema;
  }

  function objectSchema(message: DescMessage, omit: ReadonlySet<string> = new Set()): JsonObject {
    const properties: JsonObject = {};
    const required: string[] = [];
    for (const field of message.fields) {
      if (omit.has(field.name)) continue;
      properties[field.jsonName] = fieldSchema(field);
      if (isRequiredField(field)) required.push(field.jsonName);
    }
    const schema: JsonObject = { type: "object" };
    const description = commentOf(message);
    if (description !== "") schema.description = description;
    schema.properties = properties;
    // The input rules' `required`: a message that is also an answer always carries these fields too.
    if (required.length > 0) schema.required = required;
    // The bridge decodes bodies strictly: unknown fields are a 400, so the schema closes the object.
    schema.additionalProperties = false;
    if (message.deprecated) schema.deprecated = true;
    return schema;
  }

  function enumComponent(desc: DescEnum): JsonObject {
    const schema: JsonObject = { type: "string" };
    const description = commentOf(desc);
    if (description !== "") schema.description = description;
    schema.enum = desc.values.map((v) => v.name);
    return schema;
  }

  function components(): Record<string, JsonObject> {
    const built = new Map<string, JsonObject>();
    // Building a schema may reference more types; loop until nothing new turns up.
    for (;;) {
      const pending = [...referenced].filter(([name]) => !built.has(name));
      if (pending.length === 0) break;
      for (const [name, desc] of pending) {
        built.set(name, desc.kind === "enum" ? enumComponent(desc) : objectSchema(desc));
      }
    }
    const sorted: Record<string, JsonObject> = {};
    for (const name of [...built.keys()].sort()) {
      const schema = built.get(name);
      if (schema !== undefined) sorted[name] = schema;
    }
    return sorted;
  }

  return { messageSchema, fieldSchema, objectSchema, components };
}
