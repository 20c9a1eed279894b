/** Every API-key scope. `admin` implies all others. */
export const SCOPES = [
  "catalog:read",
  "catalog:write",
  "connections",
  "execute",
  "webhooks:admin",
  "webhooks:payload",
  // The MCP endpoint (/mcp): list and call tools; each tool also needs the scope of what it runs.
  "mcp",
  // An on-premise agent's stream; only on a key bound to one agent pool, and alone (see api-key-rules).
  "agent",
  "admin",
] as const;

/** One API-key scope. */
export type Scope = (typeof SCOPES)[number];

/** True when `value` names a scope. */
export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** True when the granted scopes allow `required`. */
export function hasScope(granted: readonly string[], required: string): boolean {
  return granted.includes("admin") || granted.includes(required);
}
