import type { ConnectorDefinition } from "../connectors/index.ts";
import type { CatalogDeps } from "./catalog-deps.ts";
import { configContext } from "./catalog-deps.ts";
import type { StoredScriptLimits } from "./connector-entity.ts";
import { ConnectorEntity, type StoredConfigSchema } from "./connector-entity.ts";
import { availabilityOf, isConfigured } from "./connector-message.ts";

/** What other features may know of a connector: no table access, secrets opened only on request. */
export interface ConnectorView {
  id: string;
  slug: string;
  authType: string;
  executionModel: string;
  version: string;
  availability: string;
  availabilityReason: string;
  configured: boolean;
  configSchema: StoredConfigSchema;
  /** The built-in definition that runs it (its type), when it is built-in. */
  definition: ConnectorDefinition | undefined;
  mockScenario: string | undefined;
  /** A script connector's sandbox limits (absent fields: the defaults). */
  scriptLimits: StoredScriptLimits;
  /** A script connector's source (the version the row holds). */
  scriptSource: string | undefined;
  /** Execution records keep params and payloads (redacted). */
  recordPayloads: boolean;
  /** Where an external connector runs, and how to call it. */
  endpointUrl: string | undefined;
  protocol: string | undefined;
  /** The decrypted instance config ({} when none). */
  instanceConfig(): Record<string, unknown>;
}

/** Finds a live connector by slug. */
export interface ConnectorLookup {
  (slug: string): Promise<ConnectorView | undefined>;
  /** Drops what is remembered about a slug (every slug without one), after a catalog write. */
  forget(slug?: string): void;
}

/**
 * How long a looked-up connector is reused without reading its row again. Catalog writes on this
 * replica take effect at once (they call `forget`); on other replicas within this time.
 */
export const CONNECTOR_CACHE_MS = 2_000;
const CONNECTOR_CACHE_MAX = 5_000;

/** Creates the lookup other features use to read the catalog. */
export function createConnectorLookup(
  deps: Pick<CatalogDeps, "em" | "secretBox" | "builtins" | "envOAuthClients">,
  now: () => number = Date.now,
): ConnectorLookup {
  const cache = new Map<string, { view: ConnectorView; until: number }>();
  const lookup = async (slug: string) => {
    const at = now();
    const cached = cache.get(slug);
    if (cached !== undefined && cached.until > at) return cached.view;
    const view = await read(slug);
    if (view === undefined) cache.delete(slug);
    else {
      if (cache.size >= CONNECTOR_CACHE_MAX) cache.clear();
      cache.set(slug, { view, until: at + CONNECTOR_CACHE_MS });
    }
    return view;
  };
  return Object.assign(lookup, {
    forget(slug?: string) {
      if (slug === undefined) cache.clear();
      else cache.delete(slug);
    },
  });

  async function read(slug: string): Promise<ConnectorView | undefined> {
    const row = await deps.em().findOne(ConnectorEntity, { slug, deletedAt: null });
    if (row === null) return undefined;
    const { availability, reason } = availabilityOf(row, deps.envOAuthClients);
    const sealed = row.sealedConfig;
    return {
      id: row.id,
      slug: row.slug,
      authType: row.authType,
      executionModel: row.executionModel,
      version: row.version,
      availability,
      availabilityReason: reason,
      configured: isConfigured(row, deps.envOAuthClients),
      configSchema: row.configSchema,
      definition: row.executionModel === "built_in" ? deps.builtins.get(row.type) : undefined,
      mockScenario: row.mockScenario ?? undefined,
      recordPayloads: row.recordPayloads ?? false,
      scriptSource: row.scriptSource ?? undefined,
      scriptLimits: row.scriptLimits ?? {},
      endpointUrl: row.endpointUrl ?? undefined,
      protocol: row.protocol ?? undefined,
      instanceConfig: () =>
        sealed == null
          ? {}
          : (JSON.parse(deps.secretBox.openText(sealed, configContext(row.id))) as Record<string, unknown>),
    };
  }
}
