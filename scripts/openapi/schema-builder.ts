import type { DescEnum, DescField, DescMessage } from "@bufbuild/protobuf";
import { commentOf } from "./comments.ts";
import type { DeclaredOptions } from "./declared-options.ts";
import { isAlwaysWritten } from "./is-always-written.ts";
import type { JsonObject } from "./json.ts";
import { isRequiredField, isRequiredOneof, withRuleKeywords } from "./rule-keywords.ts";
import { scalarSchema } from "./scalar-schema.ts";
import { wellKnownSchema } from "./well-known-schema.ts";

/**
 * Which way a schema travels. The server writes JSON with every implicit-presence field (defaults
 * included), so an answer's schema lists those fields as `required`; a request may leave them out.
 */
export type SchemaUse = "request" | "response";

/**
 * Turns messages, enums and fields into JSON Schemas (proto3 JSON mapping) and remembers every message and
 * enum it referenced, so that components.schemas holds exactly the reachable ones.
 */
export interface SchemaBuilder {
  /** A `$ref` to the message's component, or the inline schema of a well-known type. */
  messageSchema(message: DescMessage, use?: SchemaUse): JsonObject;
  /** The schema of a field's JSON value, with the field comment as its description. */
  fieldSchema(field: DescField, use?: SchemaUse): JsonObject;
  /** The message as an inline object schema without the named top-level fields (a `body: "*"` request). */
  objectSchema(message: DescMessage, omit?: ReadonlySet<string>): JsonObject;
  /**
   * components.schemas: each referenced message and enum under its full proto name, sorted by name. A
   * message that travels both ways with a different schema each way keeps its name for the answer and
   * takes `<name>Input` for the request.
   */
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

// One `$ref` handed out for a message; its target is settled in components(), once every use is known.
interface MessageRef {
  readonly ref: JsonObject;
  readonly message: DescMessage;
  readonly use: SchemaUse;
}

/** Creates a builder with no schemas referenced yet, reading the input rules from `declared`. */
export function createSchemaBuilder(declared: DeclaredOptions): SchemaBuilder {
  const enums = new Map<string, DescEnum>();
  const refs: MessageRef[] = [];

  function enumSchema(desc: DescEnum): JsonObject {
    // NullValue is JSON null itself, not a name.
    if (desc.typeName === "google.protobuf.NullValue") return { type: "null" };
    enums.set(schemaName(desc), desc);
    return schemaRef(schemaName(desc));
  }

  function messageSchema(message: DescMessage, use: SchemaUse = "request"): JsonObject {
    const inline = wellKnownSchema(message);
    if (inline !== undefined) return inline;
    const ref = schemaRef(schemaName(message));
    refs.push({ ref, message, use });
    return ref;
  }

  function valueSchema(field: DescField, use: SchemaUse): JsonObject {
    switch (field.fieldKind) {
      case "scalar":
        return scalarSchema(field.scalar);
      case "enum":
        return enumSchema(field.enum);
      case "message":
        return messageSchema(field.message, use);
      case "list": {
        const items =
          field.listKind === "scalar"
            ? scalarSchema(field.scalar)
            : field.listKind === "enum"
              ? enumSchema(field.enum)
              : messageSchema(field.message, use);
        return { type: "array", items };
      }
      case "map": {
        const values =
          field.mapKind === "scalar"
            ? scalarSchema(field.scalar)
            : field.mapKind === "enum"
              ? enumSchema(field.enum)
              : messageSchema(field.message, use);
        // Proto3 JSON writes every map key as a string, whatever the key type.
        return { type: "object", additionalProperties: values };
      }
    }
  }

  function fieldSchema(field: DescField, use: SchemaUse = "request"): JsonObject {
    const schema = withRuleKeywords(declared, field, valueSchema(field, use));
    const notes = [commentOf(field)];
    if (field.oneof !== undefined) {
      const members = field.oneof.fields.map((f) => `\`${f.jsonName}\``).join(", ");
      const rule = isRequiredOneof(declared, field.oneof) ? "exactly" : "at most";
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

  function objectSchema(
    message: DescMessage,
    omit: ReadonlySet<string> = new Set(),
    use: SchemaUse = "request",
  ): JsonObject {
    const properties: JsonObject = {};
    const required: string[] = [];
    for (const field of message.fields) {
      if (omit.has(field.name)) continue;
      properties[field.jsonName] = fieldSchema(field, use);
      if (isRequiredField(declared, field) || (use === "response" && isAlwaysWritten(field))) {
        required.push(field.jsonName);
      }
    }
    const schema: JsonObject = { type: "object" };
    const description = commentOf(message);
    if (description !== "") schema.description = description;
    schema.properties = properties;
    // The input rules' `required`, and in an answer every field the server always writes.
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
    // Each message once per use; building a schema may reference more types, so loop until nothing new
    // turns up.
    const variants = new Map<string, Partial<Record<SchemaUse, JsonObject>>>();
    for (let done = 0; done < refs.length; done++) {
      const next = refs[done];
      if (next === undefined) break;
      const { message, use } = next;
      const built = variants.get(message.typeName) ?? {};
      variants.set(message.typeName, built);
      if (built[use] === undefined) built[use] = objectSchema(message, new Set(), use);
    }
    const built = new Map<string, JsonObject>();
    for (const [name, desc] of enums) built.set(name, enumComponent(desc));
    // A message gets a request variant of its own when its two schemas differ, or when its request
    // schema points at another message's request variant: repeat until no new one turns up.
    const inputNames = new Set<string>();
    for (let grew = true; grew; ) {
      grew = false;
      for (const [name, { request, response }] of variants) {
        if (inputNames.has(name) || request === undefined || response === undefined) continue;
        if (JSON.stringify(request) === JSON.stringify(response)) continue;
        if (variants.has(`${name}Input`)) throw new Error(`cannot name the request variant of ${name}`);
        inputNames.add(name);
        grew = true;
      }
      for (const { ref, message, use } of refs) {
        if (use === "request" && inputNames.has(message.typeName)) {
          ref.$ref = `#/components/schemas/${message.typeName}Input`;
        }
      }
    }
    for (const [name, { request, response }] of variants) {
      const answer = response ?? request;
      if (answer !== undefined) built.set(name, answer);
      if (request !== undefined && inputNames.has(name)) built.set(`${name}Input`, request);
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
