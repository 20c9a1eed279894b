import { Code, ConnectError } from "@connectrpc/connect";
import type { ConfigSchemaJson } from "../../gen/patchbay/v1/common_pb.ts";
import type { OAuthSettings } from "../connectors/index.ts";
import type {
  ImportProgress,
  OpenApiDraft,
  OpenApiImporter,
  OpenApiPlan,
} from "../connectors/openapi/index.ts";

/** What an OpenAPI-derived connector stores, derived from its description. */
export interface ImportedOpenApi {
  draft: OpenApiDraft;
  /** The draft's schema as the catalog stores it. */
  configSchema: ConfigSchemaJson;
  plan: OpenApiPlan;
  oauth: OAuthSettings | null;
  /** The selection to store: null when every operation was kept. */
  operations: string[] | null;
}

/**
 * Derives an OpenAPI-derived connector from `openapi_document` (the same import as ParseOpenApi): its
 * schema, its execution plan and its OAuth settings. A selection that keeps nothing is refused rather
 * than stored as a connector without commands. The import runs on `importer`'s worker, off the event
 * loop.
 */
export async function importOpenApiDocument(
  importer: Pick<OpenApiImporter, "parse">,
  document: string,
  operations: readonly string[],
  name: string,
  onProgress?: (progress: ImportProgress) => void,
  signal?: AbortSignal,
): Promise<ImportedOpenApi> {
  if (document.trim() === "") {
    throw new ConnectError(
      "openapi_document is required for an openapi connector (the description as JSON or YAML text)",
      Code.InvalidArgument,
    );
  }
  const draft = await importer.parse(document, {
    field: "openapi_document",
    select: operations,
    name,
    ...(onProgress ? { onProgress } : {}),
    ...(signal ? { signal } : {}),
  });
  if (Object.keys(draft.configSchema.commands ?? {}).length === 0) {
    throw new ConnectError(
      operations.length > 0
        ? "operations: no operation of the document matches the selection"
        : "openapi_document: the description has no operations",
      Code.InvalidArgument,
    );
  }
  return {
    draft,
    configSchema: draft.configSchema,
    plan: draft.openapi,
    oauth: draft.oauth ?? null,
    operations: operations.length > 0 ? [...operations] : null,
  };
}
