import type { JsonObject } from "@bufbuild/protobuf";
import type { CommandSpecJson, FieldSpecJson } from "../../gen/patchbay/v1/common_pb.ts";

/** A tool's `inputSchema` or `outputSchema`: a JSON Schema object, as MCP's `tools/list` carries it. */
export interface ToolInputSchema {
  [key: string]: unknown;
  type: "object";
  properties: Record<string, JsonObject>;
  required?: string[];
}

/**
 * The JSON Schema of one parameter, from its stored field spec: the field types of the connector schema
 * map onto JSON Schema's ("secret" and "date" are strings, "select" a string enum, "raw" any value).
 */
function fieldSchema(field: FieldSpecJson | undefined): JsonObject {
  const schema: JsonObject = {};
  switch (field?.type ?? "") {
    case "number":
      schema.type = "number";
      break;
    case "boolean":
      schema.type = "boolean";
      break;
    case "date":
      schema.type = "string";
      schema.format = "date-time";
      break;
    case "select":
      schema.type = "string";
      if (field?.options !== undefined && field.options.length > 0) schema.enum = [...field.options];
      break;
    case "raw":
      break;
    default:
      schema.type = "string";
  }
  const description = field?.description || field?.label;
  if (description) schema.description = description;
  if (field?.default !== undefined) schema.default = field.default;
  return schema;
}

/**
 * The `inputSchema` of a command's tool: one property per declared parameter (listed ones without a
 * schema are optional strings, as Execute reads them), `required` from the specs.
 */
export function inputSchemaOf(spec: CommandSpecJson): ToolInputSchema {
  const paramSchema = spec.paramSchema ?? {};
  const names = [...new Set([...(spec.params ?? []), ...Object.keys(paramSchema)])];
  const properties: Record<string, JsonObject> = {};
  const required: string[] = [];
  for (const name of names) {
    const field = paramSchema[name];
    properties[name] = fieldSchema(field);
    if (field?.required === true) required.push(name);
  }
  return required.length > 0 ? { type: "object", properties, required } : { type: "object", properties };
}

/**
 * A tool's `outputSchema` from the command's declared outputs: the payload's keys, none required (a
 * command may leave one out, e.g. echo without a message) and others allowed, since outputs are metadata
 * the dispatcher never enforces. Undefined when the command declares none.
 */
export function outputSchemaOf(spec: CommandSpecJson): ToolInputSchema | undefined {
  const outputs = spec.outputs ?? [];
  if (outputs.length === 0) return undefined;
  return { type: "object", properties: Object.fromEntries(outputs.map((name) => [name, {}])) };
}
