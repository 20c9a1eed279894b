import { processRevocationResponse, revocationRequest } from "oauth4webapi";
import type { OAuthSettings } from "../../connectors/define/define-connector.ts";
import { authorizationServerFor, clientAuthFor } from "./authorization-server.ts";
import { type OAuthTransport, requestOptions } from "./oauth-transport.ts";
import { toOAuthError } from "./to-oauth-error.ts";

/** Inputs of `revokeToken`. */
export interface RevokeTokenOptions extends OAuthTransport {
  settings: OAuthSettings;
  clientId: string;
  clientSecret: string;
  token: string;
  /** Which token `token` is (RFC 7009 §2.1); a hint the provider may ignore. */
  tokenTypeHint?: "access_token" | "refresh_token";
}

/**
 * Revokes a token at the connector's `revokeUrl` (RFC 7009). Resolves `false` without a request when the
 * connector has no revocation endpoint, `true` once the provider accepted (it answers 200 for unknown
 * tokens too, §2.2). Throws `OAuthError` otherwise.
 */
export async function revokeToken(options: RevokeTokenOptions): Promise<boolean> {
  const { settings } = options;
  if (settings.revokeUrl === undefined) return false;
  try {
    const response = await revocationRequest(
      authorizationServerFor(settings),
      { client_id: options.clientId },
      clientAuthFor(settings, options.clientSecret),
      options.token,
      {
        ...requestOptions(options),
        ...(options.tokenTypeHint === undefined
          ? {}
          : { additionalParameters: { token_type_hint: options.tokenTypeHint } }),
      },
    );
    await processRevocationResponse(response);
    return true;
  } catch (error) {
    throw toOAuthError(error);
  }
}
