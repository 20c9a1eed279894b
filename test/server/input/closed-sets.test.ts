import { type DescMessage, getOption, hasOption } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { CreateApiKeyRequestSchema } from "../../../gen/patchbay/v1/api_keys_pb.ts";
import {
  CreateConnectorRequestSchema,
  ListConnectorsRequestSchema,
  UpdateConnectorRequestSchema,
} from "../../../gen/patchbay/v1/catalog_pb.ts";
import { rules } from "../../../gen/patchbay/v1/common_pb.ts";
import { ListConnectionsRequestSchema } from "../../../gen/patchbay/v1/connection_pb.ts";
import { ListExecutionsRequestSchema } from "../../../gen/patchbay/v1/execute_pb.ts";
import { CreateEndpointRequestSchema, ListJobsRequestSchema } from "../../../gen/patchbay/v1/webhook_pb.ts";
import { SCOPES } from "../../../src/auth/index.ts";
import { AVAILABILITIES } from "../../../src/catalog/availabilities.ts";
import { EXECUTION_MODELS } from "../../../src/catalog/index.ts";
import { CONNECTION_STATUSES } from "../../../src/connections/index.ts";
import { AUTH_TYPES } from "../../../src/connectors/define/auth-types.ts";
import { EXTERNAL_PROTOCOLS } from "../../../src/connectors/external/protocol.ts";
import { EXECUTION_STATUSES } from "../../../src/execute/index.ts";
import { BOSS_STATES } from "../../../src/webhooks/jobs/job-row.ts";
import { PROVIDERS } from "../../../src/webhooks/providers/index.ts";

function declaredSet(message: DescMessage, name: string): readonly string[] {
  const field = message.fields.find((f) => f.name === name);
  if (field === undefined || !hasOption(field, rules))
    throw new Error(`${message.typeName}.${name} declares no rules`);
  return getOption(field, rules).in;
}

// A closed set the edge checks (`in`) and the feature's own tuple must be the same set, in the same order
// (the answer lists it): a value added to one and not the other is refused, or let through, by mistake.
describe("the closed sets the request rules declare", () => {
  it.each([
    ["CreateApiKeyRequest.scopes", CreateApiKeyRequestSchema, "scopes", SCOPES],
    ["ListConnectionsRequest.status", ListConnectionsRequestSchema, "status", CONNECTION_STATUSES],
    ["CreateEndpointRequest.provider", CreateEndpointRequestSchema, "provider", PROVIDERS],
    ["ListJobsRequest.state", ListJobsRequestSchema, "state", Object.keys(BOSS_STATES)],
    ["ListConnectorsRequest.auth_type", ListConnectorsRequestSchema, "auth_type", AUTH_TYPES],
    ["ListConnectorsRequest.availability", ListConnectorsRequestSchema, "availability", AVAILABILITIES],
    ["ListExecutionsRequest.status", ListExecutionsRequestSchema, "status", EXECUTION_STATUSES],
    [
      "CreateConnectorRequest.execution_model",
      CreateConnectorRequestSchema,
      "execution_model",
      EXECUTION_MODELS,
    ],
    ["CreateConnectorRequest.protocol", CreateConnectorRequestSchema, "protocol", EXTERNAL_PROTOCOLS],
    ["UpdateConnectorRequest.protocol", UpdateConnectorRequestSchema, "protocol", EXTERNAL_PROTOCOLS],
  ] as const)("%s is the set the code holds", (_, message, field, code) => {
    expect(declaredSet(message, field)).toEqual([...code]);
  });
});
