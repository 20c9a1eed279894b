export { executeOperation, type OperationCall, type SendRequest } from "./execute-operation.ts";
export { MAX_DOCUMENT_BYTES } from "./load-document.ts";
export type { OpenApiPlan, OperationPlan, ParamPlan, SecurityBinding } from "./openapi-plan.ts";
export {
  type DraftOperation,
  type ImportProgress,
  MAX_OPERATIONS,
  type OpenApiDraft,
  type ParseOpenApiOptions,
  parseOpenApi,
} from "./parse-openapi.ts";
export { parseOpenApiOffThread } from "./parse-openapi-off-thread.ts";
