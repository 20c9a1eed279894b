// The service imports through an OpenApiImporter, which runs the parser in a worker process: nothing
// here loads the parser itself (parse-openapi.ts), so the service process never carries its modules.
// Tests and the worker import parseOpenApi from parse-openapi.ts directly.
export {
  executeOperation,
  type OperationCall,
  type OperationIo,
  type SendRequest,
} from "./execute-operation.ts";
export {
  DOCUMENT_LIMITS,
  type DocumentLimits,
  MAX_DOCUMENT_BYTES,
  MAX_IMPORTED_BYTES,
  MAX_OPERATIONS,
} from "./import-limits.ts";
export { createOpenApiImporter, type OffThreadOptions, type OpenApiImporter } from "./openapi-importer.ts";
export type { OpenApiPlan, OperationPlan, ParamPlan, SecurityBinding } from "./openapi-plan.ts";
export type {
  DraftOperation,
  ImportProgress,
  OpenApiDraft,
  ParseOpenApiOptions,
} from "./parse-openapi.ts";
export { parseOpenApiOffThread } from "./parse-openapi-off-thread.ts";
export { requestFingerprint } from "./request-fingerprint.ts";
export { createTokenCache, type TokenCache } from "./token-cache.ts";
export { warningTotal } from "./warning-total.ts";
