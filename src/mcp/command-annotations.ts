import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { CommandSpecJson } from "../../gen/patchbay/v1/common_pb.ts";

/**
 * A connector command's MCP tool annotations, from the effect hints its connector declares. A hint the
 * connector leaves out is left out, so the client's defaults apply (MCP: may write, may destroy, not
 * idempotent). The spec gives destructiveHint and idempotentHint meaning only when readOnlyHint is false,
 * so a read-only command carries readOnlyHint alone. openWorldHint is true: a connector command reaches
 * a system outside Patchbay.
 */
export function commandAnnotations(spec: CommandSpecJson, title: string): ToolAnnotations {
  const base: ToolAnnotations = { title, openWorldHint: true };
  if (spec.readOnly === true) return { ...base, readOnlyHint: true };
  return {
    ...base,
    ...(spec.readOnly === false ? { readOnlyHint: false } : {}),
    ...(spec.destructive !== undefined ? { destructiveHint: spec.destructive } : {}),
    ...(spec.idempotent !== undefined ? { idempotentHint: spec.idempotent } : {}),
  };
}
