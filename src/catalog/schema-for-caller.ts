import { fromJson } from "@bufbuild/protobuf";
import {
  type ConfigSchema,
  type ConfigSchemaJson,
  ConfigSchemaSchema,
  type FieldSpec,
} from "../../gen/patchbay/v1/common_pb.ts";

function markSecrets(fields: Record<string, FieldSpec>): void {
  for (const field of Object.values(fields)) if (field.type === "secret") field.secret = true;
}

/**
 * A stored (or drafted) schema as the message the API returns. A field of type "secret" is always
 * reported secret: the type implies it (FieldSpec), though a schema an external connector described
 * may not say so.
 */
export function schemaForCaller(json: ConfigSchemaJson): ConfigSchema {
  const schema = fromJson(ConfigSchemaSchema, json);
  markSecrets(schema.connectionConfig);
  for (const command of Object.values(schema.commands)) markSecrets(command.paramSchema);
  return schema;
}
