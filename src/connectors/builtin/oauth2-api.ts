import { defineCommand, defineConnector } from "../define/define-connector.ts";
import { t } from "../define/fields.ts";
import { fail, succeed } from "../define/outcome.ts";

/** What a handler of this connector sees: the instance config plus the connection's tokens. */
interface OAuth2ApiConnection {
  baseUrl: string;
  testPath?: string;
  accessToken: string;
}

const requestParams = {
  path: t.string({ required: true, description: "Path below baseUrl, starting with /." }),
  method: t.select(["GET", "POST", "PUT", "PATCH", "DELETE"], { default: "GET" }),
  body: t.raw({ description: "JSON body for POST, PUT and PATCH." }),
};

/**
 * Any REST API protected by OAuth 2.0 (authorization code with PKCE). The instance config names the
 * provider's endpoints and the client; each connection holds one user's tokens, refreshed before expiry.
 */
export const oauth2ApiConnector = defineConnector({
  name: "oauth2-api",
  displayName: "OAuth 2.0 API",
  version: "1.0.1",
  description: "Call a REST API on behalf of a user who authorized access with OAuth 2.0.",
  authType: "oauth",
  category: "utility",
  tags: ["oauth", "rest"],
  oauth: { authorizeUrl: "", tokenUrl: "", scopes: [] },
  connectionConfig: {
    baseUrl: t.string({ required: true, description: "API base URL." }),
    authorizeUrl: t.string({ required: true, description: "The provider's authorization endpoint." }),
    tokenUrl: t.string({ required: true, description: "The provider's token endpoint." }),
    revokeUrl: t.string({ description: "The provider's token revocation endpoint (RFC 7009)." }),
    scopes: t.string({ description: "Space-separated scopes to request." }),
    // Optional here: the client may come from PATCHBAY_OAUTH_<SLUG>_CLIENT_ID/SECRET instead.
    clientId: t.string({ description: "OAuth client id (or PATCHBAY_OAUTH_<SLUG>_CLIENT_ID)." }),
    clientSecret: t.secret({ description: "OAuth client secret (or PATCHBAY_OAUTH_<SLUG>_CLIENT_SECRET)." }),
    testPath: t.string({ default: "/", description: "Path checked by the test command." }),
  },
  defaultCommand: "request",
  commands: {
    test: defineCommand<Record<string, never>, OAuth2ApiConnection>({
      description: "Check that the API accepts the connection's access token.",
      params: {},
      readOnly: true,
      outputs: ["status"],
      async handler({ connection, signal, context }) {
        const response = await context.outbound.request(
          `${connection.baseUrl}${connection.testPath ?? "/"}`,
          {
            method: "GET",
            headers: { authorization: `Bearer ${connection.accessToken}` },
            signal,
          },
        );
        if (response.status >= 400)
          return fail({ error: `API answered ${response.status}`, diagnostics: { status: response.status } });
        return succeed({ payload: { status: response.status } });
      },
    }),
    // No effect hints: like the http connector's request, what it does depends on the method and the API.
    request: defineCommand<typeof requestParams, OAuth2ApiConnection>({
      description: "Send one request to the API with the connection's access token.",
      params: requestParams,
      outputs: ["status", "body"],
      mock: { default: () => succeed({ payload: { status: 200, body: {} } }) },
      async handler({ params, connection, signal, context }) {
        if (!params.path.startsWith("/")) return fail({ error: "path must start with /" });
        const response = await context.outbound.request(`${connection.baseUrl}${params.path}`, {
          method: params.method,
          headers: { authorization: `Bearer ${connection.accessToken}` },
          body: params.body,
          signal,
        });
        if (response.status >= 400)
          return fail({ error: `API answered ${response.status}`, diagnostics: { status: response.status } });
        return succeed({
          payload: { status: response.status, body: response.body as Record<string, unknown> },
        });
      },
    }),
  },
});
