import type { StoredCommand, StoredConfigSchema, StoredField } from "../../catalog/index.ts";
import type { ConnectorDefinition } from "./define-connector.ts";
import type { FieldDef } from "./fields.ts";

function storedField(field: FieldDef): StoredField {
  return {
    type: field.kind,
    ...(field.required ? { required: true } : {}),
    ...(field.kind === "secret" ? { secret: true } : {}),
    ...(field.description !== undefined ? { description: field.description } : {}),
    ...(field.label !== undefined ? { label: field.label } : {}),
    ...(field.default !== undefined ? { default: field.default } : {}),
    ...(field.options !== undefined ? { options: [...field.options] } : {}),
    ...(field.placeholder !== undefined ? { placeholder: field.placeholder } : {}),
  };
}

/** A definition's schema in the seed 004 `configSchema` shape the catalog stores and versions. */
export function toConfigSchema(definition: ConnectorDefinition): StoredConfigSchema {
  const commands: Record<string, StoredCommand> = {};
  for (const [name, command] of Object.entries(definition.commands)) {
    const params = command.params as Record<string, FieldDef>;
    commands[name] = {
      description: command.description,
      params: Object.keys(params),
      outputs: [...(command.outputs ?? [])],
      paramSchema: Object.fromEntries(
        Object.entries(params).map(([key, field]) => [key, storedField(field)]),
      ),
      ...(command.deprecated ? { deprecated: true } : {}),
      ...(command.deprecatedMessage !== undefined ? { deprecatedMessage: command.deprecatedMessage } : {}),
      ...(command.addedInVersion !== undefined ? { addedInVersion: command.addedInVersion } : {}),
    };
  }
  const connectionConfig = Object.fromEntries(
    Object.entries(definition.connectionConfig ?? {}).map(([key, field]) => [key, storedField(field)]),
  );
  return { connectionConfig, commands };
}
