import type { ExecuteResponse } from "../../../gen/patchbay/connector/v1/connector_pb.ts";
import type { ConnectorResult } from "../define/outcome.ts";
import { operatorText } from "./operator-text.ts";

/**
 * An `ExecuteResponse` as the result Patchbay records: payload and variables on success; error (made
 * operator-safe and capped), diagnostics and variables on failure.
 */
export function responseToResult(response: ExecuteResponse): ConnectorResult {
  const { payload, variables, diagnostics } = response;
  if (response.success) {
    return { success: true, ...(payload ? { payload } : {}), ...(variables ? { variables } : {}) };
  }
  const error = operatorText(response.error);
  return {
    success: false,
    ...(error !== "" ? { error } : {}),
    ...(diagnostics ? { diagnostics } : {}),
    ...(variables ? { variables } : {}),
  };
}
