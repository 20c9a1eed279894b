import { type DescMessage, type DescMethod, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";

/** The request size limits of the catalog's RPCs (from PATCHBAY_MAX_BODY_BYTES and PATCHBAY_MAX_OPENAPI_BYTES). */
export interface RequestLimits {
  /** Largest request of every RPC, in bytes. */
  readonly bodyBytes: number;
  /** Largest request of an RPC that carries an OpenAPI description, in bytes. */
  readonly openapiBytes: number;
}

// Published descriptions are larger than any other request (GitHub's is 5.7 MB): these RPCs read up to
// the OpenAPI limit, and a CreateConnector or UpdateConnector without a description is then held to the
// body limit by the handler (requireBodyLimit).
const OPENAPI_METHODS: ReadonlySet<DescMethod> = new Set([
  CatalogService.method.parseOpenApi,
  CatalogService.method.createConnector,
  CatalogService.method.updateConnector,
]);

/** The largest request `method` reads: the OpenAPI limit for the RPCs that carry a description. */
export function readMaxBytesFor(method: DescMethod, limits: RequestLimits): number {
  return OPENAPI_METHODS.has(method) ? Math.max(limits.openapiBytes, limits.bodyBytes) : limits.bodyBytes;
}

/**
 * Refuses a CreateConnector or UpdateConnector request that carries no OpenAPI description but is larger
 * than the body limit (measured as protobuf binary, which is never larger than its JSON form): only a
 * description earns the larger limit.
 */
export function requireBodyLimit<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
  limits: RequestLimits | undefined,
): void {
  if (limits === undefined) return;
  const size = toBinary(schema, message).byteLength;
  if (size > limits.bodyBytes)
    throw new ConnectError(
      `the request is ${size} bytes, larger than ${limits.bodyBytes} (PATCHBAY_MAX_BODY_BYTES); only a request with an openapi_document may be larger`,
      Code.ResourceExhausted,
    );
}
