import type { DescService } from "@bufbuild/protobuf";
import { collectBindings } from "../../src/server/rest/http-rules.ts";
import { buildOperation } from "./build-operation.ts";
import { commentOf } from "./comments.ts";
import type { DeclaredOptions } from "./declared-options.ts";
import { errorResponses, errorSchema, headerComponents } from "./error-responses.ts";
import type { JsonObject } from "./json.ts";
import { createSchemaBuilder } from "./schema-builder.ts";

/** Options for {@link buildOpenApiDocument}. */
export interface OpenApiDocumentOptions {
  /** The services to document, in order; their comments need source_code_info. */
  readonly services: readonly DescService[];
  /** info.version, the package version. */
  readonly version: string;
  /** The patchbay.v1 options (access, REST statuses, input rules) as the services' descriptors declare them. */
  readonly declared: DeclaredOptions;
}

const DESCRIPTION = [
  "REST/JSON view of Patchbay's gRPC/Connect API: every operation is an RPC reached through its " +
    "`google.api.http` annotation, with the proto3 JSON mapping (lowerCamel names, proto names accepted " +
    "too; int64 as strings; Timestamp as RFC 3339). Unknown body fields are rejected. Answers carry " +
    'every field at its default too (`""`, `0`, `false`, `[]`), except unset messages and oneof members.',
  "Authenticate with `Authorization: Bearer <key>` or `X-API-Key: <key>`. Errors use the Connect error " +
    "body and its code-to-status table, and repeat the message in the `x-patchbay-error` header.",
].join("\n\n");

/**
 * The OpenAPI 3.1 document of the services' HTTP bindings (one operation per binding, from the shared
 * HttpRule parser). Deterministic: paths follow the bindings' order, components are sorted by name.
 */
export function buildOpenApiDocument(options: OpenApiDocumentOptions): JsonObject {
  const schemas = createSchemaBuilder(options.declared);
  const paths: Record<string, JsonObject> = {};
  for (const binding of collectBindings(options.services)) {
    const { path, method, operation } = buildOperation(binding, schemas, options.declared);
    const item = paths[path] ?? {};
    if (item[method] !== undefined) throw new Error(`two bindings for ${method.toUpperCase()} ${path}`);
    item[method] = operation;
    paths[path] = item;
  }
  const tags = options.services.map((service) => {
    const description = commentOf(service);
    return description === "" ? { name: service.name } : { name: service.name, description };
  });
  return {
    openapi: "3.1.0",
    info: { title: "Patchbay API", version: options.version, description: DESCRIPTION },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }, { apiKey: [] }],
    tags,
    paths,
    components: {
      schemas: { Error: errorSchema(), ...schemas.components() },
      responses: errorResponses(),
      headers: headerComponents(),
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "Patchbay API key" },
        apiKey: {
          type: "apiKey",
          in: "header",
          name: "X-API-Key",
          description: "Patchbay API key, as an alternative to the bearer header",
        },
      },
    },
  };
}
