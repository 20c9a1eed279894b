import { Code, ConnectError } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/sql";
import { BOOTSTRAP_TENANT, hasScope, type Principal } from "../auth/index.ts";
import { ConnectorEntity, type ConnectorRow } from "./connector-entity.ts";

/**
 * Who reads or writes the catalog. Connectors created through the API belong to their tenant; built-in
 * types and seeded connectors (no tenant) and published connectors are shared with every tenant.
 */
export interface CatalogCaller {
  readonly tenantId: string;
  /** The key's subject: whose live connections a change would not touch. */
  readonly subject: string;
  /** Holds the `admin` scope: may change connectors that other users' connections run. */
  readonly admin: boolean;
}

/**
 * Throws PERMISSION_DENIED unless the caller may publish a connector: publishing puts a slug in every
 * tenant's catalog, run with their credentials, so it is the operator's act (an admin key of the
 * bootstrap tenant, {@link BOOTSTRAP_TENANT}), not any tenant admin's.
 */
export function requirePublisher(caller: CatalogCaller): void {
  if (caller.admin && caller.tenantId === BOOTSTRAP_TENANT) return;
  throw new ConnectError(
    `only an admin key of the operator's tenant (${BOOTSTRAP_TENANT}) may publish a connector: it is in every tenant's catalog`,
    Code.PermissionDenied,
  );
}

/** The catalog caller of a principal. */
export function catalogCaller(principal: Principal): CatalogCaller {
  return {
    tenantId: principal.tenantId,
    subject: principal.subject,
    admin: hasScope(principal.scopes, "admin"),
  };
}

/** The rows a tenant sees: its own, the shared ones, and published ones. */
export function visibleTo(tenantId: string) {
  return { $or: [{ tenantId }, { tenantId: null }, { published: true }] };
}

/**
 * Which of several visible rows with one slug a tenant means: its own first, then a shared one, then a
 * published one (a deployment can add a built-in whose slug a tenant already uses).
 */
export function preferredRow<T extends Pick<ConnectorRow, "tenantId" | "published">>(
  rows: readonly T[],
  tenantId: string,
): T | undefined {
  const rank = (row: T) => (row.tenantId === tenantId ? 0 : row.tenantId === null ? 1 : 2);
  return [...rows].sort((a, b) => rank(a) - rank(b))[0];
}

/** The live connector a tenant means by `slug`, or undefined when it sees none. */
export async function findVisibleConnector(
  em: EntityManager,
  tenantId: string,
  slug: string,
  options: { populate?: readonly ["openapiPlan"] } = {},
): Promise<ConnectorRow | undefined> {
  const rows = await em.find(
    ConnectorEntity,
    { slug, deletedAt: null, ...visibleTo(tenantId) },
    options.populate ? { populate: options.populate } : {},
  );
  return preferredRow(rows, tenantId);
}

/**
 * Refuses a change the caller may not make: built-in rows change only with a deployment (the callers
 * say so in their own words); another tenant's row never, not even with an admin key (it is found only
 * when published, and its code runs with every tenant's credentials); a published row of the caller's
 * tenant only with an admin key.
 */
export function requireWritable(caller: CatalogCaller, row: ConnectorRow): void {
  if (row.tenantId !== caller.tenantId) {
    throw new ConnectError(
      "this connector is published by another tenant: only that tenant's admin keys may change it",
      Code.PermissionDenied,
    );
  }
  if (row.published && !caller.admin) {
    throw new ConnectError(
      "this connector is shared with every tenant: only an admin key may change it",
      Code.PermissionDenied,
    );
  }
}
