import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { raw } from "@mikro-orm/core";
import { CatalogService, ConnectorDraftSchema } from "../../gen/patchbay/v1/catalog_pb.ts";
import { requirePrincipal } from "../auth/index.ts";
import { containsPattern, resolvePageSize } from "../paging/index.ts";
import { availabilityWhere } from "./availability-where.ts";
import { toCapabilities } from "./capabilities.ts";
import { catalogCaller, findVisibleConnector, visibleTo } from "./catalog-access.ts";
import type { CatalogDeps } from "./catalog-deps.ts";
import { ConnectorEntity } from "./connector-entity.ts";
import { toConnectorMessage } from "./connector-message.ts";
import { createConnector } from "./create-connector.ts";
import { schemaForCaller } from "./schema-for-caller.ts";
import { requireSlug } from "./slug.ts";
import { deleteConnector, updateConnector } from "./update-connector.ts";

/** Registers `patchbay.v1.CatalogService`. */
export function registerCatalog(router: ConnectRouter, deps: CatalogDeps): void {
  const env = deps.envOAuthClients;
  const message = (row: Parameters<typeof toConnectorMessage>[0]) => toConnectorMessage(row, env);
  router.service(CatalogService, {
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
      const created = await createConnector(deps, catalogCaller(requirePrincipal(ctx)), req, {
        signal: ctx.signal,
      });
      deps.changed(created.row.slug);
      return { connector: message(created.row), warnings: created.warnings };
    },

    async updateConnector(req, ctx) {
      const updated = await updateConnector(deps, catalogCaller(requirePrincipal(ctx)), req, {
        signal: ctx.signal,
      });
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

    // Stores nothing: the draft goes back to CreateConnector with the same document. The execution
    // data (draft.openapi) is re-derived there, so it is not part of the response.
    async parseOpenApi(req, ctx) {
      const source = req.source;
      if (source.case === undefined) {
        throw new ConnectError(
          "document or spec is required (the OpenAPI description)",
          Code.InvalidArgument,
        );
      }
      if (req.name !== "") requireSlug(req.name, "name");
      const draft = await deps.openapi.parse(source.value, {
        field: source.case,
        select: req.operations,
        name: req.name,
        signal: ctx.signal,
      });
      return {
        draft: create(ConnectorDraftSchema, {
          name: draft.name,
          description: draft.description,
          version: draft.version,
          configSchema: schemaForCaller(draft.configSchema),
          operations: draft.operations,
        }),
        warnings: draft.warnings,
      };
    },
  });
}
