import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { EntityManager } from "@mikro-orm/sql";
import type { BuiltinCatalogEntry } from "./builtin-catalog-entry.ts";
import { canonicalSchema } from "./canonical-schema.ts";
import { ConnectorEntity, ConnectorVersionEntity } from "./connector-entity.ts";
import { schemaOfRow, storedSchema } from "./stored-schema.ts";

/** What {@link syncBuiltinCatalog} did. */
export interface CatalogSync {
  /** Slugs inserted or updated. */
  changed: string[];
  /** Slugs whose schema changed while the version stayed the same (stored anyway; worth a warning). */
  unbumped: string[];
}

/**
 * Upserts each built-in entry as a catalog row, and its version into `connector_versions`. Idempotent:
 * an unchanged entry writes nothing. A changed definition is stored with the version it declares — the
 * catalog never bumps a version silently — and a schema change without a version change is reported.
 */
export async function syncBuiltinCatalog(
  em: EntityManager,
  entries: readonly BuiltinCatalogEntry[],
  now: () => Date,
): Promise<CatalogSync> {
  const changed: string[] = [];
  const unbumped: string[] = [];
  const existing = new Map(
    (await em.find(ConnectorEntity, { slug: { $in: entries.map((e) => e.slug) } })).map((row) => [
      row.slug,
      row,
    ]),
  );
  const versions = new Set(
    (
      await em.find(ConnectorVersionEntity, { connectorId: { $in: [...existing.values()].map((r) => r.id) } })
    ).map((v) => `${v.connectorId}@${v.version}`),
  );
  // Versions reference connectors without an ORM relation, so new connector rows are flushed first;
  // the caller's transaction (or the ORM's implicit one per flush) keeps start-up consistent.
  const pendingVersions: { connectorId: string; entry: BuiltinCatalogEntry; at: Date }[] = [];
  for (const entry of entries) {
    let row = existing.get(entry.slug);
    const wanted = {
      name: entry.name,
      description: entry.description,
      authType: entry.authType,
      category: entry.category,
      tags: entry.tags,
      version: entry.version,
      scriptSource: entry.scriptSource ?? null,
    };
    const stored = storedSchema(entry.configSchema);
    const fields = { ...wanted, ...stored };
    const at = now();
    if (row === undefined) {
      row = em.create(ConnectorEntity, {
        id: randomUUID(),
        slug: entry.slug,
        type: entry.slug,
        executionModel: entry.scriptSource === undefined ? "built_in" : "script",
        builtIn: true,
        availability: null,
        availabilityReason: null,
        sealedConfig: null,
        endpointUrl: null,
        protocol: null,
        mockScenario: null,
        createdAt: at,
        updatedAt: at,
        deletedAt: null,
        ...fields,
      });
      changed.push(entry.slug);
    } else {
      // Schemas are compared canonical: a row may spell out defaults that another leaves out.
      const schemaChanged = !isDeepStrictEqual(
        canonicalSchema(schemaOfRow(row)),
        canonicalSchema(entry.configSchema),
      );
      const stored = {
        name: row.name,
        description: row.description,
        authType: row.authType,
        category: row.category,
        tags: row.tags,
        version: row.version,
        scriptSource: row.scriptSource ?? null,
      };
      if (schemaChanged || !isDeepStrictEqual(stored, wanted)) {
        const sameVersionChanged = schemaChanged || stored.scriptSource !== wanted.scriptSource;
        if (row.version === entry.version && sameVersionChanged) {
          unbumped.push(entry.slug);
        }
        Object.assign(row, fields, { updatedAt: at });
        changed.push(entry.slug);
      }
    }
    if (!versions.has(`${row.id}@${entry.version}`)) {
      pendingVersions.push({ connectorId: row.id, entry, at });
    } else if (unbumped.includes(entry.slug)) {
      await em.nativeUpdate(
        ConnectorVersionEntity,
        { connectorId: row.id, version: entry.version },
        { ...storedSchema(entry.configSchema), scriptSource: entry.scriptSource ?? null },
      );
    }
  }
  await em.flush();
  for (const { connectorId, entry, at } of pendingVersions) {
    em.create(ConnectorVersionEntity, {
      id: randomUUID(),
      connectorId,
      version: entry.version,
      ...storedSchema(entry.configSchema),
      scriptSource: entry.scriptSource ?? null,
      createdAt: at,
    });
  }
  await em.flush();
  return { changed, unbumped };
}
