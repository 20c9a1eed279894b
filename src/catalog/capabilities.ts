import { create } from "@bufbuild/protobuf";
import {
  type GetCapabilitiesResponse,
  GetCapabilitiesResponseSchema,
} from "../../gen/patchbay/v1/catalog_pb.ts";
import { FieldSpecSchema } from "../../gen/patchbay/v1/common_pb.ts";
import type { ConnectorRow } from "./connector-entity.ts";
import { schemaForCaller } from "./schema-for-caller.ts";
import { schemaOfRow } from "./stored-schema.ts";

/**
 * GetCapabilities: commands with their params, outputs, deprecation metadata and effect hints, and the
 * connection fields.
 */
export function toCapabilities(row: ConnectorRow): GetCapabilitiesResponse {
  const schema = schemaForCaller(schemaOfRow(row));
  return create(GetCapabilitiesResponseSchema, {
    slug: row.slug,
    version: row.version,
    commands: Object.entries(schema.commands).map(([name, command]) => ({
      name,
      description: command.description,
      // A name listed without a schema entry is an optional string (CommandSpec.params).
      params: command.params.map((param) => ({
        name: param,
        spec: command.paramSchema[param] ?? create(FieldSpecSchema, { type: "string" }),
      })),
      outputs: command.outputs,
      deprecated: command.deprecated,
      deprecatedMessage: command.deprecatedMessage,
      addedInVersion: command.addedInVersion,
      // Unset stays unset: "not declared" is not false.
      readOnly: command.readOnly,
      destructive: command.destructive,
      idempotent: command.idempotent,
    })),
    connectionConfig: schema.connectionConfig,
  });
}
