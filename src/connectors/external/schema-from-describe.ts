import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import type { DescribeResponse, FieldSpec } from "../../../gen/patchbay/connector/v1/connector_pb.ts";
import type { StoredCommand, StoredConfigSchema, StoredField } from "../../catalog/index.ts";

/** What an external connector says about itself (`Describe` / `GET /schema`). */
export interface ExternalConnectorSchema {
  name: string;
  version: string;
  description: string;
  /** "oauth", "api_key" or "none" as the connector reports it; empty when it does not say. */
  authType: string;
  /** Its connection fields and commands in the catalog's stored shape. */
  configSchema: StoredConfigSchema;
}

function storedField(spec: FieldSpec): StoredField {
  return {
    type: spec.type === "" ? "string" : spec.type,
    ...(spec.required ? { required: true } : {}),
    ...(spec.secret ? { secret: true } : {}),
    ...(spec.description !== "" ? { description: spec.description } : {}),
    ...(spec.label !== "" ? { label: spec.label } : {}),
    ...(spec.defaultValue !== undefined ? { default: toJson(ValueSchema, spec.defaultValue) } : {}),
    ...(spec.options.length > 0 ? { options: [...spec.options] } : {}),
    ...(spec.placeholder !== "" ? { placeholder: spec.placeholder } : {}),
  };
}

function storedFields(fields: Record<string, FieldSpec>): Record<string, StoredField> {
  return Object.fromEntries(Object.entries(fields).map(([key, spec]) => [key, storedField(spec)]));
}

/**
 * A `DescribeResponse` in the catalog's shape. Names and limits are not checked here; the catalog
 * validates a schema when it stores it.
 */
export function schemaFromDescribe(response: DescribeResponse): ExternalConnectorSchema {
  const commands: Record<string, StoredCommand> = {};
  for (const [name, spec] of Object.entries(response.commands)) {
    commands[name] = {
      description: spec.description,
      params: [...spec.params],
      outputs: [...spec.outputs],
      paramSchema: storedFields(spec.paramSchema),
      ...(spec.deprecated ? { deprecated: true } : {}),
      ...(spec.deprecatedMessage !== "" ? { deprecatedMessage: spec.deprecatedMessage } : {}),
      ...(spec.addedInVersion !== "" ? { addedInVersion: spec.addedInVersion } : {}),
    };
  }
  return {
    name: response.name,
    version: response.version,
    description: response.description,
    authType: response.authType,
    configSchema: { connectionConfig: storedFields(response.connectionConfig), commands },
  };
}
