import { fromJson, toJson } from "@bufbuild/protobuf";
import {
  type DescribeResponse,
  DescribeResponseSchema,
} from "../../../gen/patchbay/connector/v1/connector_pb.ts";
import { type ConfigSchema, ConfigSchemaSchema, type FieldSpec } from "../../../gen/patchbay/v1/common_pb.ts";

/** What an external connector says about itself (`Describe` / `GET /schema`). */
export interface ExternalConnectorSchema {
  name: string;
  version: string;
  description: string;
  /** "oauth", "api_key" or "none" as the connector reports it (unchecked); empty when it does not say. */
  authType: string;
  /** Its connection fields and commands as the catalog's schema message. */
  configSchema: ConfigSchema;
}

/** An untyped field is a string (FieldSpec: "Empty means string"). */
function typed(fields: Record<string, FieldSpec>): void {
  for (const field of Object.values(fields)) if (field.type === "") field.type = "string";
}

/**
 * A `DescribeResponse` in the catalog's terms. The contract's FieldSpec and CommandSpec have the same
 * JSON shape as patchbay.v1's, so the schema crosses over as proto JSON. Names and limits are not
 * checked here.
 */
export function schemaFromDescribe(response: DescribeResponse): ExternalConnectorSchema {
  const json = toJson(DescribeResponseSchema, response);
  const configSchema = fromJson(ConfigSchemaSchema, {
    ...(json.connectionConfig !== undefined ? { connectionConfig: json.connectionConfig } : {}),
    ...(json.commands !== undefined ? { commands: json.commands } : {}),
  });
  typed(configSchema.connectionConfig);
  for (const command of Object.values(configSchema.commands)) typed(command.paramSchema);
  return {
    name: response.name,
    version: response.version,
    description: response.description,
    authType: response.authType,
    configSchema,
  };
}
