import type { OutboundResponse } from "../../outbound/index.ts";
import type { ConnectorResult } from "../define/outcome.ts";
import { isObject } from "./json-schema.ts";
import type { OperationPlan } from "./openapi-plan.ts";

/**
 * An upstream answer as a result. 2xx: a JSON object body is the payload, any other body is wrapped as
 * `{body}`, an empty one is `{}` (the outbound client already parsed JSON by content type; anything else
 * arrives as text). Otherwise `UPSTREAM_HTTP_<status>` with status, operationId and method only: the URL
 * carries param values and the body user content, so neither goes into the error or diagnostics.
 */
export function readResponse(operation: OperationPlan, response: OutboundResponse): ConnectorResult {
  const { status, body } = response;
  if (status >= 200 && status < 300) {
    if (isObject(body)) return { success: true, payload: body };
    return { success: true, payload: body === "" || body === undefined ? {} : { body } };
  }
  return {
    success: false,
    error: `upstream answered HTTP ${status} to ${operation.operationId}`,
    errorCode: `UPSTREAM_HTTP_${status}`,
    diagnostics: { status, operationId: operation.operationId, method: operation.method },
  };
}
