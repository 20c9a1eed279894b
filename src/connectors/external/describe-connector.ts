import { fromJson, toJson } from "@bufbuild/protobuf";
import {
  type DescribeResponse,
  DescribeResponseSchema,
} from "../../../gen/patchbay/connector/v1/connector_pb.ts";
import { ConfigSchemaSchema } from "../../../gen/patchbay/v1/common_pb.ts";
import type { ConnectorDefinition } from "../define/define-connector.ts";
import { toConfigSchema } from "../define/to-config-schema.ts";

/**
 * A definition's identity and schema as the `Describe` answer (and the `GET /schema` body). The
 * contract's FieldSpec and CommandSpec have the same JSON shape as patchbay.v1's, so the schema crosses
 * over as proto JSON.
 */
export function describeConnector(definition: ConnectorDefinition): DescribeResponse {
  return fromJson(DescribeResponseSchema, {
    name: definition.name,
    version: definition.version,
    description: definition.description,
    authType: definition.authType,
    ...toJson(ConfigSchemaSchema, toConfigSchema(definition)),
  });
}
