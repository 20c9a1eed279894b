import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  type CommandSpec,
  CommandSpecSchema,
  type ConfigSchema,
  ConfigSchemaSchema,
  type FieldSpec,
  FieldSpecSchema,
} from "../../../gen/patchbay/v1/common_pb.ts";
import type { ConnectorDefinition } from "./define-connector.ts";
import type { FieldDef, FieldMap } from "./fields.ts";

function fieldSpec(field: FieldDef): FieldSpec {
  return create(FieldSpecSchema, {
    type: field.kind,
    required: field.required,
    secret: field.kind === "secret",
    description: field.description ?? "",
    label: field.label ?? "",
    // Defaults come from the `t.*` builders: strings, numbers, booleans, or JSON for `t.raw`.
    ...(field.default !== undefined
      ? { defaultValue: fromJson(ValueSchema, field.default as JsonValue) }
      : {}),
    options: [...(field.options ?? [])],
    placeholder: field.placeholder ?? "",
  });
}

function fieldSpecs(fields: FieldMap): Record<string, FieldSpec> {
  return Object.fromEntries(Object.entries(fields).map(([key, field]) => [key, fieldSpec(field)]));
}

function commandSpec(command: ConnectorDefinition["commands"][string]): CommandSpec {
  const params = command.params as FieldMap;
  return create(CommandSpecSchema, {
    description: command.description,
    params: Object.keys(params),
    outputs: [...(command.outputs ?? [])],
    paramSchema: fieldSpecs(params),
    deprecated: command.deprecated ?? false,
    deprecatedMessage: command.deprecatedMessage ?? "",
    addedInVersion: command.addedInVersion ?? "",
    readOnly: command.readOnly,
    destructive: command.destructive,
    idempotent: command.idempotent,
  });
}

/**
 * A definition's schema as the `patchbay.v1.ConfigSchema` message: what the catalog stores (as its proto
 * JSON) and versions, and what `Describe` reports for a served connector.
 */
export function toConfigSchema(definition: ConnectorDefinition): ConfigSchema {
  return create(ConfigSchemaSchema, {
    connectionConfig: fieldSpecs(definition.connectionConfig ?? {}),
    commands: Object.fromEntries(
      Object.entries(definition.commands).map(([name, command]) => [name, commandSpec(command)]),
    ),
  });
}
