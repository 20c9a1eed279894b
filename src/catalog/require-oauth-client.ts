import { Code, ConnectError } from "@connectrpc/connect";
import type { CatalogDeps } from "./catalog-deps.ts";

/**
 * Stored config is what makes an OAuth connector "configured" (the catalog cannot open it to look), so an
 * OpenAPI-derived OAuth connector's config must hold the client unless the environment supplies it.
 */
export function requireOAuthClient(
  deps: CatalogDeps,
  slug: string,
  authType: string,
  config: Readonly<Record<string, unknown>>,
): void {
  if (authType !== "oauth" || deps.envOAuthClients?.has(slug)) return;
  const missing = ["clientId", "clientSecret"].filter(
    (key) => typeof config[key] !== "string" || config[key] === "",
  );
  if (missing.length > 0) {
    throw new ConnectError(
      `config must hold the OAuth client (${missing.join(", ")} missing), or the environment must supply it`,
      Code.InvalidArgument,
    );
  }
}
