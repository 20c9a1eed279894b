import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { ConnectionService } from "../../gen/patchbay/v1/connection_pb.ts";
import { requirePrincipal } from "../auth/index.ts";
import { HTTP_STATUS_HEADER } from "../protocol/headers.ts";
import type { ConnectionDeps } from "./connection-deps.ts";
import { credentialsContext } from "./connection-entity.ts";
import { toConnectionMessage } from "./connection-message.ts";
import { listConnections } from "./list-connections.ts";
import { completionPage } from "./oauth/completion-page.ts";
import { revokeToken } from "./oauth/revoke-token.ts";
import { resolveOAuthClient } from "./oauth-client.ts";
import { beginAuthorization, completeAuthorization, type StoredTokens } from "./oauth-flow.ts";
import { issueOAuthLink, openOAuthLink } from "./oauth-link.ts";
import { findOwnedConnection } from "./owned-connection.ts";
import { connectableConnector, startConnection } from "./start-connection.ts";
import { submitCredentials } from "./submit-credentials.ts";
import { oauthFailure, type TokenRefresher } from "./token-refresher.ts";

/** Registers `patchbay.v1.ConnectionService`; `refresher` is the server's one token refresher. */
export function registerConnections(
  router: ConnectRouter,
  deps: ConnectionDeps,
  refresher: TokenRefresher,
): void {
  const submitUrl = (id: string) => `${deps.publicUrl}/api/v1/connections/${id}/credentials`;
  const oauthConnector = async (row: { tenantId: string; connectorSlug: string; authType: string }) => {
    if (row.authType !== "oauth")
      throw new ConnectError("this connection does not use OAuth", Code.FailedPrecondition);
    const connector = await deps.lookup(row.tenantId, row.connectorSlug);
    if (connector === undefined)
      throw new ConnectError("the connector of this connection was deleted", Code.FailedPrecondition);
    return connector;
  };

  router.service(ConnectionService, {
    listConnections: (req, ctx) => listConnections(deps, requirePrincipal(ctx), req),

    async startConnection(req, ctx) {
      const principal = requirePrincipal(ctx);
      const connector = await connectableConnector(deps, principal.tenantId, req.connectorSlug);
      const { row, created } = await startConnection(deps, principal, connector, req.label);
      if (created) ctx.responseHeader.set(HTTP_STATUS_HEADER, "201");
      if (connector.authType === "oauth") {
        const pending = row.status !== "active";
        const oauthUrl = pending ? await beginAuthorization(deps, row, connector, false) : "";
        const oauthLinkUrl = pending ? await issueOAuthLink(deps, row, false) : "";
        return {
          connection: toConnectionMessage(row),
          oauthUrl,
          oauthLinkUrl,
          credentialSubmitUrl: "",
          created,
        };
      }
      return {
        connection: toConnectionMessage(row),
        oauthUrl: "",
        oauthLinkUrl: "",
        credentialSubmitUrl: submitUrl(row.id),
        created,
      };
    },

    async startOAuth(req, ctx) {
      const principal = requirePrincipal(ctx);
      const connector = await connectableConnector(deps, principal.tenantId, req.slug);
      if (connector.authType !== "oauth")
        throw new ConnectError("this connector does not use OAuth", Code.InvalidArgument);
      const { row } = await startConnection(deps, principal, connector, req.label);
      const oauthUrl = await beginAuthorization(deps, row, connector, req.selectAccount);
      // REST answers with a redirect to the provider; gRPC and Connect callers read oauth_url.
      ctx.responseHeader.set(HTTP_STATUS_HEADER, "302");
      ctx.responseHeader.set("location", oauthUrl);
      return { connection: toConnectionMessage(row), oauthUrl };
    },

    async openOAuthLink(req, ctx) {
      const opened = await openOAuthLink(deps, req.token);
      if (opened.ok) {
        // REST answers with a redirect to the provider; gRPC and Connect callers read oauth_url.
        ctx.responseHeader.set(HTTP_STATUS_HEADER, "302");
        ctx.responseHeader.set("location", opened.oauthUrl);
        return { oauthUrl: opened.oauthUrl };
      }
      const page = completionPage(opened);
      for (const [name, value] of Object.entries(page.headers)) ctx.responseHeader.set(name, value);
      return { page: { contentType: "text/html; charset=utf-8", data: new TextEncoder().encode(page.html) } };
    },

    async completeOAuth(req, ctx) {
      // The provider's redirect carries more than the declared fields (iss, scope, ...): read the real URL.
      const query = URL.canParse(ctx.url) ? new URL(ctx.url).searchParams : new URLSearchParams();
      const declared = [
        ["state", req.state],
        ["code", req.code],
        ["error", req.error],
        ["error_description", req.errorDescription],
      ] as const;
      for (const [key, value] of declared) if (!query.has(key) && value !== "") query.set(key, value);
      const outcome = await completeAuthorization(deps, query, deps.lookup);
      const page = completionPage(outcome);
      for (const [name, value] of Object.entries(page.headers)) ctx.responseHeader.set(name, value);
      return { page: { contentType: "text/html; charset=utf-8", data: new TextEncoder().encode(page.html) } };
    },

    async getOAuthStatus(req, ctx) {
      const row = await findOwnedConnection(deps.em(), requirePrincipal(ctx), req.id);
      await oauthConnector(row);
      return { connection: toConnectionMessage(row), oauthUrl: "" };
    },

    async restartOAuth(req, ctx) {
      const row = await findOwnedConnection(deps.em(), requirePrincipal(ctx), req.id);
      const connector = await oauthConnector(row);
      const oauthUrl = await beginAuthorization(deps, row, connector, req.selectAccount);
      const oauthLinkUrl = await issueOAuthLink(deps, row, req.selectAccount);
      return { connection: toConnectionMessage(row), oauthUrl, oauthLinkUrl };
    },

    async refreshConnection(req, ctx) {
      const row = await findOwnedConnection(deps.em(), requirePrincipal(ctx), req.id);
      await oauthConnector(row);
      try {
        return { connection: toConnectionMessage(await refresher.refresh(row.id)) };
      } catch (error) {
        throw oauthFailure(error);
      }
    },

    async getConnection(req, ctx) {
      return {
        connection: toConnectionMessage(await findOwnedConnection(deps.em(), requirePrincipal(ctx), req.id)),
      };
    },

    async submitCredentials(req, ctx) {
      const row = await submitCredentials(deps, requirePrincipal(ctx), req.id, req.credentials ?? {});
      return { connection: toConnectionMessage(row) };
    },

    async deleteConnection(req, ctx) {
      const em = deps.em();
      const row = await findOwnedConnection(em, requirePrincipal(ctx), req.id);
      if (row.authType === "oauth" && row.sealedCredentials != null) {
        await revokeAtProvider(row, row.sealedCredentials);
      }
      const now = deps.now();
      row.status = "revoked";
      row.deletedAt = now;
      row.updatedAt = now;
      // The credentials are destroyed, not just hidden.
      row.sealedCredentials = null;
      row.tokenExpiresAt = null;
      await em.flush();
      return { deleted: true };
    },
  });

  // Best effort: the connection is revoked here whatever the provider answers; a failure is logged.
  async function revokeAtProvider(
    { id, tenantId, connectorSlug }: { id: string; tenantId: string; connectorSlug: string },
    sealed: string,
  ): Promise<void> {
    try {
      const connector = await deps.lookup(tenantId, connectorSlug);
      if (connector === undefined) return;
      const client = resolveOAuthClient(deps, connector);
      if (client.settings.revokeUrl === undefined) return;
      const tokens = JSON.parse(deps.secretBox.openText(sealed, credentialsContext(id))) as StoredTokens;
      await revokeToken({
        settings: client.settings,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        token: tokens.refreshToken ?? tokens.accessToken,
        tokenTypeHint: tokens.refreshToken === undefined ? "access_token" : "refresh_token",
        allowInsecure: client.allowInsecure,
        fetch: deps.oauthFetch ?? deps.outbound.guard.fetch,
      });
    } catch (error) {
      deps.logger.warn({ connection: id, err: error }, "token revocation at the provider failed");
    }
  }
}
