import type { FieldSpecJson } from "../../../gen/patchbay/v1/common_pb.ts";
import type { AuthType } from "../define/auth-types.ts";
import type { OAuthSettings } from "../define/define-connector.ts";
import { headerNameProblem } from "./header-name-problem.ts";
import { isObject } from "./json-schema.ts";
import { camelCase } from "./names.ts";
import type { SecurityBinding } from "./openapi-plan.ts";
import { shortText } from "./to-field.ts";

/** What the document's servers and security schemes turn into. */
export interface ConnectionDerivation {
  connectionConfig: Record<string, FieldSpecJson>;
  baseUrl: string;
  securitySchemes: Record<string, SecurityBinding>;
  authType: AuthType;
  oauth?: OAuthSettings;
}

/** A Server Object's URL with its variables' defaults substituted, without a trailing slash. */
export function serverUrl(server: Record<string, unknown>): string {
  let url = typeof server.url === "string" ? server.url : "";
  const variables = isObject(server.variables) ? server.variables : {};
  for (const [name, variable] of Object.entries(variables)) {
    const value = isObject(variable) && variable.default !== undefined ? String(variable.default) : "";
    url = url.split(`{${name}}`).join(value);
  }
  return url.replace(/\/+$/, "");
}

/**
 * Seed 004's table: `servers` → `baseUrl`; apiKey → a secret field named after the scheme; HTTP
 * bearer → `bearerToken`; basic → `username`/`password`; OAuth 2 → `clientId`, `clientSecret`,
 * `tokenUrl`, with the authorization-code flow's URLs and scopes as OAuth settings.
 */
export function deriveConnection(
  document: Record<string, unknown>,
  warn: (text: string) => void,
): ConnectionDerivation {
  const connectionConfig: Record<string, FieldSpecJson> = {};
  const servers = Array.isArray(document.servers) ? document.servers.filter(isObject) : [];
  const urls = servers.map(serverUrl).filter((url) => url !== "");
  const baseUrl = urls[0] ?? "";
  connectionConfig.baseUrl = {
    type: "string",
    required: true,
    label: "Base URL",
    description:
      urls.length > 1
        ? `API base URL. The description also lists: ${urls.slice(1, 6).join(", ")}`
        : "API base URL.",
    ...(baseUrl !== "" ? { default: baseUrl } : {}),
  };
  if (baseUrl === "") warn("the document declares no servers; the connection must supply baseUrl");
  else if (!/^https?:\/\//.test(baseUrl))
    warn(`server URL '${baseUrl}' is relative; the connection must supply an absolute baseUrl`);

  const components = isObject(document.components) ? document.components : {};
  const schemes = isObject(components.securitySchemes) ? components.securitySchemes : {};
  const securitySchemes: Record<string, SecurityBinding> = {};
  let oauth: OAuthSettings | undefined;
  for (const [schemeName, scheme] of Object.entries(schemes)) {
    if (!isObject(scheme)) continue;
    const type = String(scheme.type ?? "");
    const httpScheme = String(scheme.scheme ?? "").toLowerCase();
    const about = shortText(scheme.description);
    const headerProblem =
      type === "apiKey" && scheme.in === "header" && typeof scheme.name === "string"
        ? headerNameProblem(scheme.name, "apiKey")
        : undefined;
    if (headerProblem !== undefined) {
      warn(
        `security scheme '${schemeName}': API key header '${String(scheme.name)}' ${headerProblem}; the scheme is not supported and was skipped`,
      );
    } else if (
      type === "apiKey" &&
      typeof scheme.name === "string" &&
      ["header", "query", "cookie"].includes(String(scheme.in))
    ) {
      const field = camelCase(schemeName) || "apiKey";
      connectionConfig[field] = {
        type: "secret",
        secret: true,
        label: schemeName,
        description: about || `API key sent in the ${String(scheme.in)} '${scheme.name}'.`,
      };
      securitySchemes[schemeName] = { type: "apiKey", in: scheme.in as "header", name: scheme.name, field };
    } else if (type === "http" && httpScheme === "bearer") {
      connectionConfig.bearerToken = {
        type: "secret",
        secret: true,
        label: "Bearer token",
        description: about || "Token sent as 'Authorization: Bearer'.",
      };
      securitySchemes[schemeName] = { type: "bearer", field: "bearerToken" };
    } else if (type === "http" && httpScheme === "basic") {
      connectionConfig.username = {
        type: "string",
        label: "Username",
        description: about || "HTTP basic user name.",
      };
      connectionConfig.password = {
        type: "secret",
        secret: true,
        label: "Password",
        description: "HTTP basic password.",
      };
      securitySchemes[schemeName] = { type: "basic", usernameField: "username", passwordField: "password" };
    } else if (type === "oauth2" && isObject(scheme.flows)) {
      const flows = scheme.flows;
      const code = isObject(flows.authorizationCode) ? flows.authorizationCode : undefined;
      const firstTokenUrl = Object.values(flows)
        .filter(isObject)
        .map((flow) => flow.tokenUrl)
        .find((url): url is string => typeof url === "string");
      connectionConfig.clientId = { type: "string", label: "Client ID", description: "OAuth 2 client id." };
      connectionConfig.clientSecret = {
        type: "secret",
        secret: true,
        label: "Client secret",
        description: "OAuth 2 client secret.",
      };
      connectionConfig.tokenUrl = {
        type: "string",
        label: "Token URL",
        description: "OAuth 2 token endpoint.",
        ...(firstTokenUrl !== undefined ? { default: firstTokenUrl } : {}),
      };
      securitySchemes[schemeName] = { type: "oauth2", flows: Object.keys(flows) };
      if (
        code !== undefined &&
        typeof code.authorizationUrl === "string" &&
        typeof code.tokenUrl === "string"
      ) {
        if (oauth === undefined) {
          oauth = {
            authorizeUrl: code.authorizationUrl,
            tokenUrl: code.tokenUrl,
            scopes: isObject(code.scopes) ? Object.keys(code.scopes) : [],
          };
        } else warn(`OAuth 2 scheme '${schemeName}': only the first authorization-code flow is used`);
      } else {
        warn(`OAuth 2 scheme '${schemeName}' has no authorization-code flow; only its token URL is kept`);
      }
    } else {
      warn(
        `security scheme '${schemeName}' (${type}${httpScheme ? ` ${httpScheme}` : ""}) is not supported and was skipped`,
      );
    }
  }
  const secret = Object.values(connectionConfig).some((f) => f.secret);
  const authType = oauth !== undefined ? "oauth" : secret ? "api_key" : "none";
  return { connectionConfig, baseUrl, securitySchemes, authType, ...(oauth !== undefined ? { oauth } : {}) };
}
