import type { ConnectorResult } from "../define/outcome.ts";
import { headerNameProblem } from "./header-name-problem.ts";
import { isHeaderValue } from "./is-header-value.ts";
import type { OpenApiPlan, OperationPlan, SecurityBinding } from "./openapi-plan.ts";
import { type ClientCredentialsGrant, isAllowedTokenUrl } from "./request-client-credentials-token.ts";

/** What the chosen security requirement adds to a request (values are secrets: never log them). */
export interface Credentials {
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Encoded `name=value` query pieces. */
  query: string[];
  /** Encoded `name=value` Cookie pieces. */
  cookies: string[];
  /** An OAuth 2 client credentials grant whose token is still to be fetched and sent as Bearer. */
  grant?: ClientCredentialsGrant;
}

/** The credentials to send, or the MISSING_CREDENTIALS failure. */
export type SecurityOutcome = { ok: true; credentials: Credentials } | { ok: false; result: ConnectorResult };

function text(config: Record<string, unknown>, field: string): string | undefined {
  const value = config[field];
  if (typeof value === "number") return String(value);
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Without an access token, an OAuth 2 scheme with a client credentials flow (RFC 6749 §4.4) is satisfied
 * by the client's own credentials: the token is fetched later, for the requirement's scopes.
 */
function addGrant(
  binding: Extract<SecurityBinding, { type: "oauth2" }>,
  scopes: readonly string[],
  config: Record<string, unknown>,
  into: Credentials,
): string[] {
  if (!binding.flows.includes("clientCredentials")) return ["accessToken (connect the account)"];
  const clientId = text(config, "clientId");
  const clientSecret = text(config, "clientSecret");
  const tokenUrl = text(config, "tokenUrl");
  const missing = [
    ...(clientId === undefined ? ["clientId"] : []),
    ...(clientSecret === undefined ? ["clientSecret"] : []),
    ...(tokenUrl === undefined
      ? ["tokenUrl"]
      : isAllowedTokenUrl(tokenUrl)
        ? []
        : ["tokenUrl (an https URL)"]),
  ];
  if (clientId === undefined || clientSecret === undefined || tokenUrl === undefined || missing.length > 0)
    return missing;
  into.grant = { tokenUrl, clientId, clientSecret, scopes: [...new Set(scopes)].sort() };
  return [];
}

// A plan stored before import skipped such schemes may still name a header the client sets itself.
function sendable(binding: SecurityBinding): boolean {
  return binding.type !== "apiKey" || binding.in !== "header" || !headerNameProblem(binding.name, "apiKey");
}

/** Adds one scheme to `into`; returns what is missing, by connection field name (never a value). */
function addScheme(
  binding: SecurityBinding,
  scopes: readonly string[],
  config: Record<string, unknown>,
  into: Credentials,
): string[] {
  const header = (field: string, value: string): string[] => {
    if (!isHeaderValue(value)) return [`${field} (has characters a header cannot carry)`];
    return [];
  };
  switch (binding.type) {
    case "apiKey": {
      const key = text(config, binding.field);
      if (key === undefined) return [binding.field];
      // toWellFormed: a lone surrogate would make encodeURIComponent throw.
      const piece = `${encodeURIComponent(binding.name.toWellFormed())}=${encodeURIComponent(key.toWellFormed())}`;
      if (binding.in === "query") into.query.push(piece);
      else if (binding.in === "cookie") into.cookies.push(piece);
      else {
        into.headers[binding.name.toLowerCase()] = key;
        return header(binding.field, key);
      }
      return [];
    }
    case "bearer": {
      const token = text(config, binding.field);
      if (token === undefined) return [binding.field];
      into.headers.authorization = `Bearer ${token}`;
      return header(binding.field, token);
    }
    case "basic": {
      const username = text(config, binding.usernameField);
      const password = config[binding.passwordField];
      const missing = [
        ...(username === undefined ? [binding.usernameField] : []),
        ...(typeof password !== "string" ? [binding.passwordField] : []),
      ];
      if (username === undefined || typeof password !== "string") return missing;
      into.headers.authorization = `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
      return [];
    }
    case "oauth2": {
      const token = text(config, "accessToken");
      if (token === undefined) return addGrant(binding, scopes, config, into);
      const given = text(config, "tokenType") ?? "";
      // Providers answer token_type "bearer" in any case (RFC 6750 spells the scheme "Bearer").
      const type = /^bearer$/i.test(given) || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(given) ? "Bearer" : given;
      into.headers.authorization = `${type} ${token}`;
      return header("accessToken", token);
    }
  }
}

/**
 * Applies the operation's security (its own `security` when present, `[]` meaning none, else the
 * document's): the first alternative whose schemes the connection can all satisfy wins. An empty
 * alternative (`{}`, auth optional) is taken only when no other can be satisfied, wherever it is listed,
 * so a configured key is sent. When none can, MISSING_CREDENTIALS names the connection fields each
 * alternative would need. An OAuth 2 scheme met by client credentials leaves its token to fetch
 * (`credentials.grant`).
 */
export function applySecurity(
  plan: OpenApiPlan,
  operation: OperationPlan,
  config: Record<string, unknown>,
): SecurityOutcome {
  const alternatives = operation.security ?? plan.security;
  const needs: string[] = [];
  let optional = alternatives.length === 0;
  for (const requirement of alternatives) {
    const credentials: Credentials = { headers: {}, query: [], cookies: [] };
    const missing: string[] = [];
    const schemes = Object.entries(requirement);
    if (schemes.length === 0) {
      optional = true;
      continue;
    }
    for (const [scheme, scopes] of schemes) {
      const binding = Object.hasOwn(plan.securitySchemes, scheme) ? plan.securitySchemes[scheme] : undefined;
      if (binding === undefined || !sendable(binding))
        missing.push(`an unsupported scheme (${scheme.slice(0, 64)})`);
      else missing.push(...addScheme(binding, Array.isArray(scopes) ? scopes : [], config, credentials));
    }
    if (missing.length === 0) return { ok: true, credentials };
    const need = [...new Set(missing)].join(" and ");
    if (!needs.includes(need)) needs.push(need);
  }
  if (optional) return { ok: true, credentials: { headers: {}, query: [], cookies: [] } };
  return {
    ok: false,
    result: {
      success: false,
      error: `the connection lacks credentials for ${operation.operationId}: it needs ${needs.join(", or ")}`,
      errorCode: "MISSING_CREDENTIALS",
    },
  };
}
