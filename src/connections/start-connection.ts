import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Principal } from "../auth/index.ts";
import type { ConnectorView } from "../catalog/index.ts";
import type { ConnectionDeps } from "./connection-deps.ts";
import { ConnectionEntity, type ConnectionRow } from "./connection-entity.ts";

/** The connector a connection may be started for, or the reason a person can act on. */
export async function connectableConnector(
  deps: ConnectionDeps,
  tenantId: string,
  slug: string,
): Promise<ConnectorView> {
  const connector = /^[a-z0-9-]{1,64}$/.test(slug) ? await deps.lookup(tenantId, slug) : undefined;
  if (connector === undefined)
    throw new ConnectError(
      "unknown connector: check connector_slug against ListConnectors",
      Code.InvalidArgument,
    );
  if (connector.authType === "none") {
    throw new ConnectError(
      "this connector needs no connection: execute it by its slug",
      Code.InvalidArgument,
    );
  }
  if (!connector.configured) {
    throw new ConnectError(
      "connector is not configured: an administrator must set its OAuth client (client id and secret)",
      Code.FailedPrecondition,
    );
  }
  if (connector.availability !== "available") {
    throw new ConnectError(`connector is not available (${connector.availability})`, Code.FailedPrecondition);
  }
  return connector;
}

/**
 * The caller's existing connection to this connector with this label, or a new pending one. Returns
 * whether it was created (REST answers 201 then, 200 for an existing one).
 */
export async function startConnection(
  deps: ConnectionDeps,
  principal: Principal,
  connector: ConnectorView,
  label: string,
): Promise<{ row: ConnectionRow; created: boolean }> {
  const em = deps.em();
  const existing = await em.findOne(
    ConnectionEntity,
    {
      tenantId: principal.tenantId,
      subject: principal.subject,
      connectorId: connector.id,
      label,
      deletedAt: null,
      status: { $ne: "revoked" },
    },
    { orderBy: { createdAt: "desc" } },
  );
  if (existing !== null) return { row: existing, created: false };
  const now = deps.now();
  const row = em.create(ConnectionEntity, {
    id: randomUUID(),
    tenantId: principal.tenantId,
    subject: principal.subject,
    connectorId: connector.id,
    connectorSlug: connector.slug,
    label,
    status: "pending",
    authType: connector.authType,
    sealedCredentials: null,
    tokenExpiresAt: null,
    grantedScopes: [],
    lastError: null,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  });
  await em.flush();
  return { row, created: true };
}
