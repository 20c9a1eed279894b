import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { CatalogService, ConnectorDraftSchema } from "../../gen/patchbay/v1/catalog_pb.ts";
import { parseOpenApiOffThread } from "../connectors/openapi/index.ts";
import { resolvePageSize } from "../paging/index.ts";
import { toCapabilities } from "./capabilities.ts";
import type { CatalogDeps } from "./catalog-deps.ts";
import { toCommandSpec, toFieldSpec } from "./config-schema-convert.ts";
import { ConnectorEntity } from "./connector-entity.ts";
import { AUTH_TYPES, AVAILABILITIES, availabilityOf, toConnectorMessage } from "./connector-message.ts";
import { createConnector } from "./create-connector.ts";
import { requireSlug } from "./slug.ts";
import { deleteConnector, updateConnector } from "./update-connector.ts";

function requireOneOf(field: string, value: string, allowed: readonly string[]): void {
  if (value !== "" && !allowed.includes(value)) {
    throw new ConnectError(`${field} must be one of ${allowed.join(", ")}`, Code.InvalidArgument);
  }
}

/** Registers `patchbay.v1.CatalogService`. */
export function registerCatalog(router: ConnectRouter, deps: CatalogDeps): void {
  const env = deps.envOAuthClients;
  const message = (row: Parameters<typeof toConnectorMessage>[0]) => toConnectorMessage(row, env);
  router.service(CatalogService, {
    async listConnectors(req) {
      requireOneOf("auth_type", req.authType, AUTH_TYPES);
      requireOneOf("availability", req.availability, AVAILABILITIES);
      if (req.q.length > 200)
        throw new ConnectError("q must be at most 200 characters", Code.InvalidArgument);
      const pageSize = resolvePageSize(req.pageSize);
      const filter = {
        q: req.q,
        category: req.category,
        authType: req.authType,
        availability: req.availability,
      };
      const after =
        req.pageToken === ""
          ? ""
          : String(deps.pageTokens.decode("catalog.connectors", filter, req.pageToken).slug ?? "");
      const where: Record<string, unknown> = { deletedAt: null };
      if (after !== "") where.slug = { $gt: after };
      if (req.category !== "") where.category = req.category;
      if (req.authType !== "") where.authType = req.authType;
      if (req.q !== "") {
        const like = `%${req.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        where.$or = [
          { slug: { $ilike: like } },
          { name: { $ilike: like } },
          { description: { $ilike: like } },
        ];
      }
      // Availability is derived from each row, so it filters after the query; catalogs are small.
      const rows = (await deps.em().find(ConnectorEntity, where, { orderBy: { slug: "asc" } })).filter(
        (row) => req.availability === "" || availabilityOf(row, env).availability === req.availability,
      );
      const page = rows.slice(0, pageSize);
      const last = page.at(-1);
      return {
        connectors: page.map(message),
        nextPageToken:
          rows.length > pageSize && last !== undefined
            ? deps.pageTokens.encode("catalog.connectors", filter, { slug: last.slug })
            : "",
      };
    },

    async getConnector(req) {
      requireSlug(req.slug);
      const row = await deps.em().findOne(ConnectorEntity, { slug: req.slug, deletedAt: null });
      if (row === null) throw new ConnectError("connector not found", Code.NotFound);
      return { connector: message(row) };
    },

    async createConnector(req, ctx) {
      const created = await createConnector(deps, req, { signal: ctx.signal });
      deps.changed?.(created.row.slug);
      return { connector: message(created.row), warnings: created.warnings };
    },

    async updateConnector(req, ctx) {
      const updated = await updateConnector(deps, req, { signal: ctx.signal });
      deps.changed?.(updated.row.slug);
      return {
        connector: message(updated.row),
        previousVersion: updated.previousVersion,
        requiredBump: updated.requiredBump,
        warnings: updated.warnings,
      };
    },

    async deleteConnector(req) {
      await deleteConnector(deps, req.slug);
      deps.changed?.(req.slug);
      return { deleted: true };
    },

    async getCapabilities(req) {
      requireSlug(req.slug);
      const row = await deps.em().findOne(ConnectorEntity, { slug: req.slug, deletedAt: null });
      if (row === null) throw new ConnectError("connector not found", Code.NotFound);
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
      const draft = await parseOpenApiOffThread(source.value, {
        field: source.case,
        select: req.operations,
        name: req.name,
        signal: ctx.signal,
      });
      const schema = draft.configSchema;
      const fields = Object.entries(schema.connectionConfig).map(([key, f]) => [key, toFieldSpec(f)]);
      const commands = Object.entries(schema.commands).map(([key, c]) => [key, toCommandSpec(c)]);
      return {
        draft: create(ConnectorDraftSchema, {
          name: draft.name,
          description: draft.description,
          version: draft.version,
          configSchema: {
            connectionConfig: Object.fromEntries(fields),
            commands: Object.fromEntries(commands),
          },
          operations: draft.operations,
        }),
        warnings: draft.warnings,
      };
    },
  });
}
