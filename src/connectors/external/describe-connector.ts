import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  type CommandSpec,
  CommandSpecSchema,
  type DescribeResponse,
  DescribeResponseSchema,
  type FieldSpec,
  FieldSpecSchema,
} from "../../../gen/patchbay/connector/v1/connector_pb.ts";
import type { StoredField } from "../../catalog/index.ts";
import type { ConnectorDefinition } from "../define/define-connector.ts";
import { toConfigSchema } from "../define/to-config-schema.ts";

function fieldSpec(field: StoredField): FieldSpec {
  return create(FieldSpecSchema, {
    type: field.type,
    required: field.required ?? false,
    secret: field.secret ?? false,
    description: field.description ?? "",
    label: field.label ?? "",
    options: field.options ?? [],
    placeholder: field.placeholder ?? "",
    ...(field.default !== undefined
      ? { defaultValue: fromJson(ValueSchema, JSON.parse(JSON.stringify(field.default)) as JsonValue) }
      : {}),
  });
}

function specs(fields: Record<string, StoredField>): Record<string, FieldSpec> {
  return Object.fromEntries(Object.entries(fields).map(([key, field]) => [key, fieldSpec(field)]));
}

/** A definition's identity and schema as the `Describe` answer (and the `GET /schema` body). */
export function describeConnector(definition: ConnectorDefinition): DescribeResponse {
  const schema = toConfigSchema(definition);
  const commands: Record<string, CommandSpec> = {};
  for (const [name, command] of Object.entries(schema.commands)) {
    commands[name] = create(CommandSpecSchema, {
      params: command.params,
      description: command.description,
      outputs: command.outputs,
      paramSchema: specs(command.paramSchema),
      deprecated: command.deprecated ?? false,
      deprecatedMessage: command.deprecatedMessage ?? "",
      addedInVersion: command.addedInVersion ?? "",
    });
  }
  return create(DescribeResponseSchema, {
    name: definition.name,
    version: definition.version,
    description: definition.description,
    authType: definition.authType,
    connectionConfig: specs(schema.connectionConfig),
    commands,
  });
}
