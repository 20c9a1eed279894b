import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { EntityManager } from "@mikro-orm/sql";
import type { BuiltinCatalogEntry } from "./builtin-catalog.ts";
import { ConnectorEntity } from "./connector-entity.ts";

/**
 * Upserts each built-in entry as a catalog row. Idempotent: an unchanged entry writes nothing; a changed
 * one is updated in place. Returns the slugs inserted or updated.
 */
export async function syncBuiltinCatalog(
  em: EntityManager,
  entries: readonly BuiltinCatalogEntry[],
  now: () => Date = () => new Date(),
): Promise<string[]> {
  const changed: string[] = [];
  const existing = new Map(
    (await em.find(ConnectorEntity, { slug: { $in: entries.map((e) => e.slug) } })).map((row) => [
      row.slug,
      row,
    ]),
  );
  for (const entry of entries) {
    const row = existing.get(entry.slug);
    const fields = {
      name: entry.name,
      description: entry.description,
      authType: entry.authType,
      category: entry.category,
      tags: entry.tags,
      version: entry.version,
      configSchema: entry.configSchema,
    };
    if (row === undefined) {
      const at = now();
      em.create(ConnectorEntity, {
        id: randomUUID(),
        slug: entry.slug,
        type: entry.slug,
        executionModel: "built_in",
        builtIn: true,
        availability: null,
        availabilityReason: null,
        sealedConfig: null,
        endpointUrl: null,
        protocol: null,
        scriptSource: null,
        createdAt: at,
        updatedAt: at,
        deletedAt: null,
        ...fields,
      });
      changed.push(entry.slug);
    } else if (
      !isDeepStrictEqual(
        {
          name: row.name,
          description: row.description,
          authType: row.authType,
          category: row.category,
          tags: row.tags,
          version: row.version,
          configSchema: row.configSchema,
        },
        fields,
      )
    ) {
      Object.assign(row, fields, { updatedAt: now() });
      changed.push(entry.slug);
    }
  }
  await em.flush();
  return changed;
}
