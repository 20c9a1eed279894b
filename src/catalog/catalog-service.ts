import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type ServiceImpl } from "@connectrpc/connect";
import { raw } from "@mikro-orm/core";
import {
  CatalogService,
  CreateConnectorRequestSchema,
  UpdateConnectorRequestSchema,
} from "../../gen/patchbay/v1/catalog_pb.ts";
import { requirePrincipal } from "../auth/index.ts";
import { lockedFields } from "../connectors/index.ts";
import { containsPattern, resolvePageSize } from "../paging/index.ts";
import { availabilityWhere } from "./availability-where.ts";
import { toCapabilities } from "./capabilities.ts";
import { catalogCaller, findVisibleConnector, visibleTo } from "./catalog-access.ts";
import { type CatalogDeps, openInstanceConfig } from "./catalog-deps.ts";
import { ConnectorEntity, type ConnectorRow } from "./connector-entity.ts";
import { toConnectorMessage } from "./connector-message.ts";
import { createConnector } from "./create-connector.ts";
import { listConnectorVersions } from "./list-connector-versions.ts";
import { parseOpenApiRequest } from "./parse-openapi-request.ts";
import { readMaxBytesFor, requireBodyLimit } from "./request-limits.ts";
import { requireSlug } from "./slug.ts";
import { deleteConnector, updateConnector } from "./update-connector.ts";

/** Registers `patchbay.v1.CatalogService`. */
export function registerCatalog(router: ConnectRouter, deps: CatalogDeps): void {
  const env = deps.envOAuthClients;
  /** The dependencies of one caller's call: its OpenAPI imports count against its tenant's share. */
  const forTenant = (tenant: string): CatalogDeps => ({
    ...deps,
    openapi: { parse: (input, options = {}) => deps.openapi.parse(input, { ...options, tenant }) },
  });
  const message = (row: ConnectorRow) => toConnectorMessage(row, env, deps.builtins, lockedOf(row));
  /**
   * The connection fields a row's instance config locks (lockedFields): read from the sealed config's
   * names only; none when it has no config, or when it cannot be opened (the form then asks for every
   * field, and SubmitCredentials still refuses the locked ones).
   */
  const lockedOf = (row: ConnectorRow): ReadonlySet<string> | undefined => {
    if (row.sealedConfig == null || row.authType !== "api_key") return undefined;
    try {
      const shared = openInstanceConfig(deps.secretBox, row);
      return new Set(lockedFields(row.configSchema.connectionConfig, shared).keys());
    } catch {
      return undefined;
    }
  };
  const impl: ServiceImpl<typeof CatalogService> = {
    async listConnectors(req, ctx) {
      const { tenantId } = requirePrincipal(ctx);
      // auth_type, availability (closed sets) and q (at most 200 characters) are declared rules of the
      // request, checked before this handler runs.
      const pageSize = resolvePageSize(req.pageSize);
      const filter = {
        q: req.q,
        category: req.category,
        authType: req.authType,
        availability: req.availability,
      };
      // Keyset paging in the database: a page reads at most page_size + 1 rows, whatever the catalog's size.
      const and: Record<string, unknown>[] = [{ deletedAt: null }, visibleTo(tenantId)];
      if (req.pageToken !== "") {
        const cursor = deps.pageTokens.decode("catalog.connectors", filter, req.pageToken);
        const slug = String(cursor.slug ?? "");
        // Tokens made before rows had a tie-breaker carry the slug alone.
        and.push(
          typeof cursor.id === "string"
            ? { $or: [{ slug: { $gt: slug } }, { slug, id: { $gt: cursor.id } }] }
            : { slug: { $gt: slug } },
        );
      }
      if (req.category !== "") and.push({ category: req.category });
      if (req.authType !== "") and.push({ authType: req.authType });
      if (req.availability !== "") and.push(availabilityWhere(req.availability, env));
      if (req.q !== "") {
        const like = containsPattern(req.q);
        const tagMatches = raw(
          (alias: string) =>
            `exists (select 1 from jsonb_array_elements_text(${alias}.tags) as t(tag) where t.tag ilike ?)`,
          [like],
        );
        and.push({
          $or: [
            { slug: { $ilike: like } },
            { name: { $ilike: like } },
            { description: { $ilike: like } },
            { [tagMatches]: [] },
          ],
        });
      }
      const rows = await deps
        .em()
        .find(
          ConnectorEntity,
          { $and: and },
          { orderBy: [{ slug: "asc" }, { id: "asc" }], limit: pageSize + 1 },
        );
      const page = rows.slice(0, pageSize);
      const last = page.at(-1);
      return {
        connectors: page.map(message),
        nextPageToken:
          rows.length > pageSize && last !== undefined
            ? deps.pageTokens.encode("catalog.connectors", filter, { slug: last.slug, id: last.id })
            : "",
      };
    },

    async getConnector(req, ctx) {
      requireSlug(req.slug);
      const row = await findVisibleConnector(deps.em(), requirePrincipal(ctx).tenantId, req.slug);
      if (row === undefined) throw new ConnectError("connector not found", Code.NotFound);
      return { connector: message(row) };
    },

    async createConnector(req, ctx) {
      if (req.openapiDocument === "") requireBodyLimit(CreateConnectorRequestSchema, req, deps.requestLimits);
      const caller = catalogCaller(requirePrincipal(ctx));
      const created = await createConnector(forTenant(caller.tenantId), caller, req, { signal: ctx.signal });
      deps.changed(created.row.slug);
      return { connector: message(created.row), warnings: created.warnings };
    },

    async updateConnector(req, ctx) {
      if (req.openapiDocument === undefined)
        requireBodyLimit(UpdateConnectorRequestSchema, req, deps.requestLimits);
      const caller = catalogCaller(requirePrincipal(ctx));
      const updated = await updateConnector(forTenant(caller.tenantId), caller, req, { signal: ctx.signal });
      deps.changed(updated.row.slug);
      return {
        connector: message(updated.row),
        previousVersion: updated.previousVersion,
        requiredBump: updated.requiredBump,
        warnings: updated.warnings,
      };
    },

    async deleteConnector(req, ctx) {
      await deleteConnector(deps, catalogCaller(requirePrincipal(ctx)), req.slug);
      deps.changed(req.slug);
      return { deleted: true };
    },

    async getCapabilities(req, ctx) {
      requireSlug(req.slug);
      const row = await findVisibleConnector(deps.em(), requirePrincipal(ctx).tenantId, req.slug);
      if (row === undefined) throw new ConnectError("connector not found", Code.NotFound);
      return toCapabilities(row);
    },

    async listConnectorVersions(req, ctx) {
      requireSlug(req.slug);
      return listConnectorVersions(deps.em(), requirePrincipal(ctx).tenantId, req.slug);
    },

    parseOpenApi: (req, ctx) =>
      parseOpenApiRequest(forTenant(requirePrincipal(ctx).tenantId), req, ctx.signal),
  };
  // The RPCs that carry a description read up to their own, larger limit (request-limits.ts).
  const limits = deps.requestLimits;
  const options = (method: DescMethod) =>
    limits === undefined ? undefined : { readMaxBytes: readMaxBytesFor(method, limits) };
  const { method } = CatalogService;
  router
    .rpc(method.listConnectors, impl.listConnectors, options(method.listConnectors))
    .rpc(method.getConnector, impl.getConnector, options(method.getConnector))
    .rpc(method.createConnector, impl.createConnector, options(method.createConnector))
    .rpc(method.updateConnector, impl.updateConnector, options(method.updateConnector))
    .rpc(method.deleteConnector, impl.deleteConnector, options(method.deleteConnector))
    .rpc(method.getCapabilities, impl.getCapabilities, options(method.getCapabilities))
    .rpc(method.listConnectorVersions, impl.listConnectorVersions, options(method.listConnectorVersions))
    .rpc(method.parseOpenApi, impl.parseOpenApi, options(method.parseOpenApi));
}
