import { fromJson, toJson } from "@bufbuild/protobuf";
import { type ConfigSchemaJson, ConfigSchemaSchema } from "../../gen/patchbay/v1/common_pb.ts";

/**
 * A stored schema in the form `toJson` writes: values equal to their proto3 default left out. Stored
 * rows spell some of them out (stored-schema.ts), and rows from other releases may not: both read the
 * same through `fromJson`, and anything that compares two schemas as JSON compares their canonical forms.
 */
export function canonicalSchema(schema: ConfigSchemaJson): ConfigSchemaJson {
  return toJson(ConfigSchemaSchema, fromJson(ConfigSchemaSchema, schema));
}
