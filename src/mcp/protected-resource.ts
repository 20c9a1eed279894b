import type { NodeRes } from "../protocol/node-types.ts";

/** Where the OAuth protected-resource metadata (RFC 9728) of `/mcp` is served. */
export const PROTECTED_RESOURCE_PATH = "/.well-known/oauth-protected-resource";

/**
 * Answers the protected-resource metadata that MCP's authorization spec points clients to: the resource
 * (`<public URL>/mcp`) and that it takes a bearer token in the `Authorization` header. Patchbay runs no
 * authorization server: its bearer tokens are API keys, issued by `ApiKeyService` or the CLI.
 */
export function serveProtectedResource(publicUrl: string, mcpPath: string, res: NodeRes): void {
  const body = {
    resource: `${publicUrl.replace(/\/+$/, "")}${mcpPath}`,
    authorization_servers: [],
    bearer_methods_supported: ["header"],
    resource_name: "Patchbay MCP",
  };
  res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=3600" });
  res.end(JSON.stringify(body));
}
