import type { ConfigSchemaJson } from "../../gen/patchbay/v1/common_pb.ts";

/**
 * The JSON a schema is stored as: its proto JSON (`toJson`), with the lists and maps that releases
 * before proto JSON read without a default spelled out (both maps of the schema; a command's
 * description, params, outputs and paramSchema). Explicit defaults are valid proto JSON that `fromJson`
 * reads like left-out ones, and a rollback to such a release (or one of its replicas during a rolling
 * update) reads every row this one writes. Anything that compares stored schemas compares their
 * canonical forms (canonical-schema.ts).
 */
export function storedSchema(schema: ConfigSchemaJson): ConfigSchemaJson {
  return {
    connectionConfig: schema.connectionConfig ?? {},
    commands: Object.fromEntries(
      Object.entries(schema.commands ?? {}).map(([name, command]) => [
        name,
        {
          ...command,
          description: command.description ?? "",
          params: command.params ?? [],
          outputs: command.outputs ?? [],
          paramSchema: command.paramSchema ?? {},
        },
      ]),
    ),
  };
}
