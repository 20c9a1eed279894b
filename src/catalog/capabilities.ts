import { create } from "@bufbuild/protobuf";
import {
  type GetCapabilitiesResponse,
  GetCapabilitiesResponseSchema,
} from "../../gen/patchbay/v1/catalog_pb.ts";
import { toFieldSpec } from "./config-schema-convert.ts";
import type { ConnectorRow } from "./connector-entity.ts";

/** GetCapabilities: commands with their params, outputs and deprecation metadata, and the connection fields. */
export function toCapabilities(row: ConnectorRow): GetCapabilitiesResponse {
  return create(GetCapabilitiesResponseSchema, {
    slug: row.slug,
    version: row.version,
    commands: Object.entries(row.configSchema.commands).map(([name, command]) => ({
      name,
      description: command.description,
      params: command.params.map((param) => ({
        name: param,
        spec: toFieldSpec(command.paramSchema[param] ?? { type: "string" }),
      })),
      outputs: command.outputs,
      deprecated: command.deprecated ?? false,
      deprecatedMessage: command.deprecatedMessage ?? "",
      addedInVersion: command.addedInVersion ?? "",
    })),
    connectionConfig: Object.fromEntries(
      Object.entries(row.configSchema.connectionConfig).map(([key, field]) => [key, toFieldSpec(field)]),
    ),
  });
}
