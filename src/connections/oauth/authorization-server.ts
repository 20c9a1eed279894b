import { type AuthorizationServer, type ClientAuth, ClientSecretBasic, ClientSecretPost } from "oauth4webapi";
import type { OAuthSettings } from "../../connectors/define/define-connector.ts";

/**
 * The oauth4webapi metadata of a connector's provider, built from its settings rather than discovered:
 * plain OAuth 2.0 providers rarely publish RFC 8414 metadata. Without a declared `issuer` the authorize
 * URL's origin stands in; it matters only when the provider also returns an id_token, whose `iss` must
 * then match.
 */
export function authorizationServerFor(settings: OAuthSettings): AuthorizationServer {
  return {
    issuer: settings.issuer ?? new URL(settings.authorizeUrl).origin,
    authorization_endpoint: settings.authorizeUrl,
    token_endpoint: settings.tokenUrl,
    ...(settings.revokeUrl === undefined ? {} : { revocation_endpoint: settings.revokeUrl }),
  };
}

/** The client authentication a connector asks for; HTTP Basic (RFC 6749 §2.3.1) unless it says `post`. */
export function clientAuthFor(settings: OAuthSettings, clientSecret: string): ClientAuth {
  return settings.tokenAuthMethod === "client_secret_post"
    ? ClientSecretPost(clientSecret)
    : ClientSecretBasic(clientSecret);
}
