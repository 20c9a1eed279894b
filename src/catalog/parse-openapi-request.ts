import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  ConnectorDraftSchema,
  CreateConnectorRequestSchema,
  type ParseOpenApiRequest,
  type ParseOpenApiResponseSchema,
} from "../../gen/patchbay/v1/catalog_pb.ts";
import { MAX_DOCUMENT_BYTES } from "../connectors/openapi/index.ts";
import type { CatalogDeps } from "./catalog-deps.ts";
import { fetchOpenApiDocument } from "./fetch-openapi-document.ts";
import { schemaForCaller } from "./schema-for-caller.ts";
import { requireSlug } from "./slug.ts";

/**
 * ParseOpenApi: imports the description (given as text, as a JSON object, or fetched from a URL through
 * the egress guard) and answers its draft, its warnings and the CreateConnector request that stores it
 * as is. Stores nothing: the execution data (the plan) is derived again by CreateConnector from the
 * same document, so it is not part of the response.
 */
export async function parseOpenApiRequest(
  deps: CatalogDeps,
  req: ParseOpenApiRequest,
  signal: AbortSignal,
): Promise<MessageInitShape<typeof ParseOpenApiResponseSchema>> {
  const source = req.source;
  if (source.case === undefined) {
    throw new ConnectError(
      "document, spec or url is required (the OpenAPI description)",
      Code.InvalidArgument,
    );
  }
  if (req.name !== "") requireSlug(req.name, "name");
  // A URL is fetched only once the import has its tenant's place (a refused import fetches nothing).
  const url = source.case === "url" ? source.value : undefined;
  let fetched: string | undefined;
  const input =
    url === undefined
      ? source.value
      : async () => {
          fetched = await fetchOpenApiDocument(
            deps.outbound.guard,
            url,
            deps.requestLimits?.openapiBytes ?? MAX_DOCUMENT_BYTES,
            signal,
          );
          return fetched;
        };
  const document = () => fetched ?? (typeof input === "string" ? input : JSON.stringify(input));
  const draft = await deps.openapi.parse(input, {
    field: source.case,
    select: req.operations,
    name: req.name,
    signal,
  });
  return {
    draft: create(ConnectorDraftSchema, {
      name: draft.name,
      description: draft.description,
      version: draft.version,
      configSchema: schemaForCaller(draft.configSchema),
      operations: draft.operations,
    }),
    warnings: draft.warnings,
    // What CreateConnector needs to store this draft, and nothing it derives itself (the schema).
    createRequest: create(CreateConnectorRequestSchema, {
      name: draft.name,
      displayName: draft.displayName,
      description: draft.description,
      version: draft.version,
      executionModel: "openapi",
      openapiDocument: document(),
      operations: req.operations.length > 0 ? draft.operations.map((o) => o.operationId) : [],
    }),
  };
}
