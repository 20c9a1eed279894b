import { skipStateCheck, validateAuthResponse } from "oauth4webapi";
import type { OAuthSettings } from "../../connectors/define/define-connector.ts";
import { authorizationServerFor } from "./authorization-server.ts";
import { stateMatches } from "./hash-state.ts";
import { OAuthError } from "./oauth-error.ts";
import { toOAuthError } from "./to-oauth-error.ts";

/** Inputs of `parseCallback`. */
export interface CallbackOptions {
  settings: OAuthSettings;
  /** The callback's query: the request URL or its search parameters. */
  params: URL | URLSearchParams;
  /** `hashState` of the state this flow started with, as stored. */
  stateHash: string;
}

// validateAuthResponse checks only the client's shape; the callback carries no client id to compare.
const CALLBACK_CLIENT = { client_id: "patchbay" };

/**
 * Validates an authorization response (RFC 6749 §4.1.2) and returns its code. The `state` is compared
 * here, in constant time, against the stored hash (oauth4webapi compares plaintext, which Patchbay does
 * not keep, so its own check is skipped). A provider `iss` is checked only when the connector declares
 * its `issuer` (RFC 9207): a guessed issuer would refuse legitimate callbacks.
 * Throws `OAuthError`: `invalid_state` for a missing or foreign state, otherwise the provider's error
 * (`access_denied`, …) classified.
 */
export function parseCallback(options: CallbackOptions): { code: string } {
  const params = new URLSearchParams(
    options.params instanceof URL ? options.params.searchParams : options.params,
  );
  const state = params.get("state");
  if (state === null || !stateMatches(state, options.stateHash)) {
    throw new OAuthError("invalid_state", "callback state does not match the flow");
  }
  if (options.settings.issuer === undefined) params.delete("iss");
  let validated: URLSearchParams;
  try {
    validated = validateAuthResponse(
      authorizationServerFor(options.settings),
      CALLBACK_CLIENT,
      params,
      skipStateCheck,
    );
  } catch (error) {
    throw toOAuthError(error);
  }
  const code = validated.get("code");
  if (code === null || code === "")
    throw new OAuthError("provider_error", "callback carries no code (missing_code)");
  return { code };
}
