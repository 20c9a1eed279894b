import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { ConnectionService } from "../../gen/patchbay/v1/connection_pb.ts";
import { resolvePageSize } from "../paging/index.ts";
import { HTTP_STATUS_HEADER } from "../server/rest/rest-bridge.ts";
import type { ConnectionDeps } from "./connection-deps.ts";
import { CONNECTION_STATUSES, ConnectionEntity } from "./connection-entity.ts";
import { toConnectionMessage } from "./connection-message.ts";
import { callerOf, findOwnedConnection } from "./owned-connection.ts";
import { connectableConnector, startConnection } from "./start-connection.ts";
import { submitCredentials } from "./submit-credentials.ts";

/** Registers `patchbay.v1.ConnectionService` (API-key connections; OAuth RPCs arrive with the OAuth flow). */
export function registerConnections(router: ConnectRouter, deps: ConnectionDeps): void {
  const submitUrl = (id: string) => `${deps.publicUrl}/api/v1/connections/${id}/credentials`;

  router.service(ConnectionService, {
    async listConnections(req, ctx) {
      const principal = callerOf(ctx);
      if (req.status !== "" && !(CONNECTION_STATUSES as readonly string[]).includes(req.status)) {
        throw new ConnectError(
          `status must be one of ${CONNECTION_STATUSES.join(", ")}`,
          Code.InvalidArgument,
        );
      }
      const pageSize = resolvePageSize(req.pageSize);
      const filter = { connectorSlug: req.connectorSlug, status: req.status };
      const where: Record<string, unknown> = {
        tenantId: principal.tenantId,
        subject: principal.subject,
        deletedAt: null,
      };
      if (req.connectorSlug !== "") where.connectorSlug = req.connectorSlug;
      if (req.status !== "") where.status = req.status;
      if (req.pageToken !== "") {
        const cursor = deps.pageTokens.decode("connections", filter, req.pageToken);
        const at = new Date(String(cursor.at));
        // Newest first, ties broken by id: the next page starts strictly after the last row seen.
        where.$or = [{ createdAt: { $lt: at } }, { createdAt: at, id: { $lt: String(cursor.id) } }];
      }
      const rows = await deps.em().find(ConnectionEntity, where, {
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        limit: pageSize + 1,
      });
      const page = rows.slice(0, pageSize);
      const last = page.at(-1);
      return {
        connections: page.map(toConnectionMessage),
        nextPageToken:
          rows.length > pageSize && last !== undefined
            ? deps.pageTokens.encode("connections", filter, { at: last.createdAt.toISOString(), id: last.id })
            : "",
      };
    },

    async startConnection(req, ctx) {
      const principal = callerOf(ctx);
      const connector = await connectableConnector(deps, req.connectorSlug);
      if (connector.authType === "oauth") {
        throw new ConnectError("OAuth connections are not available on this server yet", Code.Unimplemented);
      }
      const { row, created } = await startConnection(deps, principal, connector, req.label);
      if (created) ctx.responseHeader.set(HTTP_STATUS_HEADER, "201");
      return {
        connection: toConnectionMessage(row),
        oauthUrl: "",
        credentialSubmitUrl: submitUrl(row.id),
        created,
      };
    },

    async getConnection(req, ctx) {
      return { connection: toConnectionMessage(await findOwnedConnection(deps.em(), callerOf(ctx), req.id)) };
    },

    async submitCredentials(req, ctx) {
      const row = await submitCredentials(deps, callerOf(ctx), req.id, req.credentials ?? {});
      return { connection: toConnectionMessage(row) };
    },

    async deleteConnection(req, ctx) {
      const em = deps.em();
      const row = await findOwnedConnection(em, callerOf(ctx), req.id);
      const now = (deps.now ?? (() => new Date()))();
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
}
