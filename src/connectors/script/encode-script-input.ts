import type { ScriptRequest } from "./script-request.ts";

/**
 * The JSON the sandbox parses into `patchbay.config`, `.params` and `.variables`, or undefined when the
 * values are not JSON-serializable (cyclic, BigInt).
 */
export function encodeScriptInput(request: ScriptRequest): string | undefined {
  try {
    return JSON.stringify({
      config: request.config ?? {},
      params: request.params ?? {},
      variables: request.variables ?? {},
    });
  } catch {
    return undefined;
  }
}
