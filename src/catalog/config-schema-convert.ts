import { create, fromJson, type JsonValue, toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type CommandSpec,
  CommandSpecSchema,
  type ConfigSchema,
  type FieldSpec,
  FieldSpecSchema,
} from "../../gen/patchbay/v1/common_pb.ts";
import type { StoredCommand, StoredConfigSchema, StoredField } from "./connector-entity.ts";

/** Field types a schema may use. */
export const FIELD_TYPES = ["string", "secret", "number", "boolean", "date", "select", "raw"] as const;
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const LIMIT = 200;

function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

function storedField(spec: FieldSpec, where: string): StoredField {
  const type = spec.type === "" ? "string" : spec.type;
  if (!(FIELD_TYPES as readonly string[]).includes(type)) {
    throw invalid(`${where}: type must be one of ${FIELD_TYPES.join(", ")}`);
  }
  if (type === "select" && spec.options.length === 0) throw invalid(`${where}: a select field needs options`);
  const field: StoredField = { type };
  if (spec.required) field.required = true;
  if (spec.secret || type === "secret") field.secret = true;
  if (spec.description !== "") field.description = spec.description;
  if (spec.label !== "") field.label = spec.label;
  if (spec.defaultValue !== undefined) field.default = toJson(ValueSchema, spec.defaultValue);
  if (spec.options.length > 0) field.options = [...spec.options];
  if (spec.placeholder !== "") field.placeholder = spec.placeholder;
  return field;
}

function checkName(name: string, what: string): void {
  if (!NAME.test(name)) throw invalid(`${what} names must be identifiers of at most 64 characters`);
}

/**
 * The stored (seed 004 JSON) form of a schema from the API, validated: identifier names, known field
 * types, options for selects, bounded sizes. Messages name the command/field, never values.
 */
export function toStoredSchema(schema: ConfigSchema | undefined): StoredConfigSchema {
  const connectionConfig: Record<string, StoredField> = {};
  const commands: Record<string, StoredCommand> = {};
  const fields = Object.entries(schema?.connectionConfig ?? {});
  const specs = Object.entries(schema?.commands ?? {});
  if (fields.length > LIMIT || specs.length > LIMIT)
    throw invalid(`config_schema: at most ${LIMIT} fields and commands`);
  for (const [name, spec] of fields) {
    checkName(name, "connection field");
    connectionConfig[name] = storedField(spec, `connection field '${name}'`);
  }
  for (const [name, spec] of specs) {
    checkName(name, "command");
    const paramSchema: Record<string, StoredField> = {};
    for (const [param, field] of Object.entries(spec.paramSchema)) {
      checkName(param, "param");
      paramSchema[param] = storedField(field, `param '${param}' of command '${name}'`);
    }
    for (const param of spec.params) checkName(param, "param");
    commands[name] = {
      description: spec.description,
      params: [...new Set([...spec.params, ...Object.keys(paramSchema)])],
      outputs: [...spec.outputs],
      paramSchema,
      ...(spec.deprecated ? { deprecated: true } : {}),
      ...(spec.deprecatedMessage !== "" ? { deprecatedMessage: spec.deprecatedMessage } : {}),
      ...(spec.addedInVersion !== "" ? { addedInVersion: spec.addedInVersion } : {}),
    };
  }
  return { connectionConfig, commands };
}

/** The API form of a stored field. */
export function toFieldSpec(field: StoredField): FieldSpec {
  return create(FieldSpecSchema, {
    type: field.type,
    required: field.required ?? false,
    secret: field.secret ?? field.type === "secret",
    description: field.description ?? "",
    label: field.label ?? "",
    ...(field.default !== undefined
      ? { defaultValue: fromJson(ValueSchema, field.default as JsonValue) }
      : {}),
    options: field.options ?? [],
    placeholder: field.placeholder ?? "",
  });
}

/** The API form of a stored command. */
export function toCommandSpec(command: StoredCommand): CommandSpec {
  return create(CommandSpecSchema, {
    params: command.params,
    description: command.description,
    outputs: command.outputs,
    paramSchema: Object.fromEntries(Object.entries(command.paramSchema).map(([k, f]) => [k, toFieldSpec(f)])),
    deprecated: command.deprecated ?? false,
    deprecatedMessage: command.deprecatedMessage ?? "",
    addedInVersion: command.addedInVersion ?? "",
  });
}
