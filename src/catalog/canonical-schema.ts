import { fromJson, toJson } from "@bufbuild/protobuf";
import { type ConfigSchemaJson, ConfigSchemaSchema } from "../../gen/patchbay/v1/common_pb.ts";

/**
 * A stored schema in the form `toJson` writes: values equal to their proto3 default are left out.
 * Rows written before the catalog stored proto JSON spell some of them out (a command's empty
 * `params`, `outputs`, `paramSchema` or `description`); both forms read the same through `fromJson`,
 * and anything that compares two schemas as JSON compares their canonical forms.
 */
export function canonicalSchema(schema: ConfigSchemaJson): ConfigSchemaJson {
  return toJson(ConfigSchemaSchema, fromJson(ConfigSchemaSchema, schema));
}
