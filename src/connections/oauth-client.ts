import { Code, ConnectError } from "@connectrpc/connect";
import type { ConnectorView } from "../catalog/index.ts";
import type { OAuthSettings } from "../connectors/index.ts";
import type { ConnectionDeps } from "./connection-deps.ts";
import { isLoopbackUrl } from "./oauth/is-loopback-url.ts";

/** Everything needed to talk to a connector's OAuth provider. */
export interface OAuthClient {
  settings: OAuthSettings;
  clientId: string;
  clientSecret: string;
  /** Plain HTTP is allowed only for loopback endpoints, and only when the operator enabled it. */
  allowInsecure: boolean;
}

const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);

/**
 * The connector's OAuth settings (its definition, overridden by instance config fields of the same
 * names) and client (instance config first, then `PATCHBAY_OAUTH_<SLUG>_CLIENT_ID/SECRET`).
 */
export function resolveOAuthClient(deps: ConnectionDeps, connector: ConnectorView): OAuthClient {
  const base = connector.oauth;
  const instance = connector.instanceConfig();
  const env = deps.oauthClients?.get(connector.slug);
  const scopes = text(instance.scopes);
  const revokeUrl = text(instance.revokeUrl) ?? base?.revokeUrl;
  const settings: OAuthSettings = {
    ...base,
    authorizeUrl: text(instance.authorizeUrl) ?? base?.authorizeUrl ?? "",
    tokenUrl: text(instance.tokenUrl) ?? base?.tokenUrl ?? "",
    scopes: scopes === undefined ? (base?.scopes ?? []) : scopes.split(/\s+/).filter(Boolean),
    ...(revokeUrl === undefined ? {} : { revokeUrl }),
  };
  const clientId = text(instance.clientId) ?? env?.clientId;
  const clientSecret = text(instance.clientSecret) ?? env?.clientSecret;
  if (
    settings.authorizeUrl === "" ||
    settings.tokenUrl === "" ||
    clientId === undefined ||
    clientSecret === undefined
  ) {
    throw new ConnectError(
      "connector is not configured: an administrator must set its OAuth client and endpoints",
      Code.FailedPrecondition,
    );
  }
  const endpoints = [settings.authorizeUrl, settings.tokenUrl, ...(revokeUrl ? [revokeUrl] : [])];
  const allowInsecure = (deps.oauthAllowLoopbackHttp ?? false) && endpoints.every(isLoopbackUrl);
  return { settings, clientId, clientSecret, allowInsecure };
}
